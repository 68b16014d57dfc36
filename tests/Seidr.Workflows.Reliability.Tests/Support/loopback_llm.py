"""A loopback OpenAI-compatible chat server for the reliability tests, written the plain way users write one.

It is Python's ThreadingHTTPServer, HTTP/1.0 by default (a connection per request, closed after the answer) with a
large listen backlog: the kind of server the lost-samples defect was first seen against. It can inject faults
deterministically, so that a run with faults can be compared with a run without them:

  --faults KIND=P[,KIND=P...]   a request key (its user message and seed) draws a fault with probability P, decided by
                                a hash of the key (not by timing); such a key gets that fault on its first
                                --faults-per-key attempts (default 1) and is answered after them.
                                KIND: 429 (Retry-After: 1), 429ms (retry-after-ms: 150), 500, 502, 503, reset (the
                                connection is reset before any answer), slow (the answer comes after --slow-seconds),
                                malformed (a 200 whose JSON is cut off).
  --away-after N --away-seconds S   after N answered requests the server closes its port for S seconds, then listens
                                again on the same port.
  --status CODE                 every request is refused with CODE (a permanent fault: 400, 401, 404, ...).
  --solutions FILE              JSON list of {"prompt", "solution"}: a request whose user message contains a prompt is
                                answered with prompt + solution for a third of its seeds, else with a wrong program.

It prints "PORT <n>" once it listens. GET /stats returns what it saw (requests, answers per key, faults by kind, the
most requests in flight at once). Answers depend only on the request's key, never on timing or attempt.
"""
import argparse
import hashlib
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
stats = {"requests": 0, "answered": 0, "faults": {}, "keys": {}, "attempts": {}, "in_flight": 0, "max_in_flight": 0}
args = None
solutions = []
away = threading.Event()


def stable(text):
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def fault_for(key, attempt):
    if args.status or attempt >= args.faults_per_key or not args.fault_table:
        return None
    roll = (stable(f"{args.fault_seed}/{key}") % 1_000_000) / 1_000_000
    acc = 0.0
    for kind, p in args.fault_table:
        acc += p
        if roll < acc:
            return kind
    return None


def answer_for(user, seed, key):
    # The request's key as a comment in the program: the response cache's answers then say which requests they
    # answer (the resume tests need that), and the program runs the same.
    for item in solutions:
        if item["prompt"].strip() in user:
            good = stable(f"{item['prompt']}/{seed}") % 3 == 0
            code = item["prompt"] + (item["solution"] if good else "    return None\n")
            return "```python\n" + code + "\n# request " + key + "\n```"
    return "```python\ndef f():\n    return 1\n# request " + key + "\n```"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        with lock:
            body = json.dumps(stats).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        user = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"][-1]
        seed = body.get("seed", -1)
        key = hashlib.sha256(user.encode()).hexdigest()[:16] + "/" + str(seed)
        with lock:
            stats["requests"] += 1
            attempt = stats["attempts"].get(key, 0)
            stats["attempts"][key] = attempt + 1
            stats["in_flight"] += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
        try:
            self.serve(body, user, seed, key, fault_for(key, attempt))
        finally:
            with lock:
                stats["in_flight"] -= 1

    def serve(self, body, user, seed, key, fault):
        if fault:
            with lock:
                stats["faults"][fault] = stats["faults"].get(fault, 0) + 1
        time.sleep(args.latency)
        if args.status:
            return self.reply(args.status, {"error": {"message": f"The model '{body.get('model')}' does not exist (status {args.status})", "type": "invalid_request_error"}})
        if fault in ("429", "429ms"):
            headers = {"Retry-After": "1"} if fault == "429" else {"retry-after-ms": "150"}
            return self.reply(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}, headers)
        if fault in ("500", "502", "503"):
            return self.reply(int(fault), {"error": {"message": "server overloaded", "type": "server_error"}})
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault == "slow":
            time.sleep(args.slow_seconds)
        text = answer_for(user, seed, key)
        n = body.get("n", 1)
        answer = {
            "id": "chatcmpl-" + key, "object": "chat.completion", "created": 1700000000, "model": body.get("model"),
            "choices": [{"index": i, "finish_reason": "stop", "message": {"role": "assistant", "content": text}} for i in range(n)],
            "usage": {"prompt_tokens": max(1, len(user) // 4), "completion_tokens": len(text) // 4 * n, "total_tokens": max(1, len(user) // 4) + len(text) // 4 * n},
        }
        if fault == "malformed":
            raw = json.dumps(answer).encode()
            return self.reply_raw(200, raw[: len(raw) // 2])
        self.reply(200, answer)
        with lock:
            stats["answered"] += 1
            stats["keys"][key] = stats["keys"].get(key, 0) + 1
            if args.away_after and stats["answered"] == args.away_after:
                away.set()

    def reply(self, status, obj, headers=None):
        self.reply_raw(status, json.dumps(obj).encode(), headers)

    def reply_raw(self, status, raw, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)


class Server(ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
    allow_reuse_address = True


def main():
    global args, solutions
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--http11", action="store_true")
    p.add_argument("--faults", default="")
    p.add_argument("--fault-seed", default="1")
    p.add_argument("--faults-per-key", type=int, default=1)
    p.add_argument("--slow-seconds", type=float, default=3.0)
    p.add_argument("--away-after", type=int, default=0)
    p.add_argument("--away-seconds", type=float, default=5.0)
    p.add_argument("--status", type=int, default=0)
    p.add_argument("--solutions")
    args = p.parse_args()
    args.fault_table = [(k, float(v)) for k, v in (item.split("=") for item in args.faults.split(",") if item)]
    if args.solutions:
        with open(args.solutions) as f:
            solutions = json.load(f)
    if args.http11:
        Handler.protocol_version = "HTTP/1.1"
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    print(f"PORT {port}", flush=True)
    while True:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        away.wait()
        away.clear()
        server.shutdown()
        server.server_close()
        print(f"AWAY {args.away_seconds}", flush=True)
        time.sleep(args.away_seconds)
        server = Server(("127.0.0.1", port), Handler)
        print("BACK", flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
