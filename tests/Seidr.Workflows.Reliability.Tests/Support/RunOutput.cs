using System.Text.Json.Nodes;

namespace Seidr.Workflows.Reliability.Tests.Support;

/// <summary>What a finished <c>seidr run --out DIR</c> left: its summary's metrics and its flows.</summary>
public sealed record RunOutput(string Dir, JsonObject Summary, IReadOnlyList<JsonObject> Flows)
{
    public static RunOutput Read(string dir) => new(dir,
        JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject(),
        File.ReadAllLines(Path.Combine(dir, "flows.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList());

    public JsonObject Metrics(int variant = 0) => Summary["variants"]![variant]!["metrics"]!.AsObject();

    public double Metric(string name, int variant = 0) => Metrics(variant)[name]!.GetValue<double>();

    /// <summary>The summary's <c>modelCalls</c> counter (samples, failedSamples, failedCalls, retries, ...).</summary>
    public int ModelCalls(string name) => Summary["modelCalls"]![name]!.GetValue<int>();

    /// <summary>
    /// Every variant's metrics without the time fields and without <c>cached_calls</c> (which says how a run got its
    /// answers, not what it computed), as canonical JSON: equal for runs that computed the same.
    /// </summary>
    public string MetricsWithoutTime() => new JsonArray(Summary["variants"]!.AsArray().Select(v =>
    {
        var m = v!["metrics"]!.AsObject().Where(kv => !kv.Key.StartsWith("time_s", StringComparison.Ordinal) && kv.Key != "cached_calls")
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()));
        return (JsonNode)new JsonObject { ["id"] = v["id"]!.GetValue<string>(), ["metrics"] = new JsonObject(m) };
    }).ToArray()).ToJsonString();

    /// <summary>Each flow's outcome and best program, without times: equal for runs that made the same candidates.</summary>
    public IReadOnlyList<string> FlowOutcomes() => Flows
        .Select(f => $"{f["variant"]}/{f["problem"]} {f["status"]} programs={f["programs"]} samples={f["samples"]} failed={f["failedSamples"]} solved={f["solvedByHiddenTests"]} best={f["best"]?.GetValue<string>().GetHashCode()}")
        .Order(StringComparer.Ordinal).ToList();
}
