using Seidr.Workflows.Engine;
using Seidr.Workflows.Models;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>How stages call models: render a prompt file, call the model, and account for it in the flow's budget.</summary>
internal static class ModelStage
{
    /// <summary>A model failure as one line: kind, HTTP status where there was one, and the message.</summary>
    public static string Describe(ModelError error) =>
        error.StatusCode is { } status && !error.Message.StartsWith("HTTP", StringComparison.Ordinal)
            ? $"{error.Kind} (HTTP {status}): {error.Message}"
            : $"{error.Kind}: {error.Message}";

    /// <summary>The prompt variables every stage provides about its problem (never its hidden tests).</summary>
    public static Dictionary<string, object?> ProblemVariables(Problem problem)
    {
        var examples = string.Join("\n", problem.Visible.Select(t => t switch
        {
            AssertTest a => a.Code,
            IoTest io => $"input:\n{io.Input}\nexpected output:\n{io.ExpectedOutput}",
            _ => "",
        }));
        var p = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = problem.Id,
            ["prompt"] = problem.Prompt,
            ["description"] = problem.Description,
            ["entry_point"] = problem.EntryPoint,
            ["examples"] = examples.Length == 0 ? null : examples,
            ["language"] = problem.Language,
            ["language_name"] = Support.Languages.Normalize(problem.Language) == "cpp" ? "C++" : "Python",
            ["stdio"] = problem.Shape == ProblemShape.StdinStdout ? "true" : null,
        };
        foreach (var (k, v) in problem.Extra) p[k] = v;
        return new Dictionary<string, object?>(StringComparer.Ordinal) { ["problem"] = p };
    }

    /// <summary>
    /// The prompt a stage renders for its problem's language: <c>cpp/draft</c> for the stage's <c>draft</c> when the
    /// problem is in C++ and that file exists (prompts are per language, as SEIDR's are), else the named prompt itself.
    /// </summary>
    public static string PromptFor(Models.Prompts.PromptLibrary prompts, string promptName, Problem problem)
    {
        var language = Support.Languages.Normalize(problem.Language) ?? problem.Language;
        if (language == "python" || promptName.StartsWith(language + "/", StringComparison.Ordinal)) return promptName;
        var specific = $"{language}/{promptName}";
        return prompts.Contains(specific) ? specific : promptName;
    }

    /// <summary>
    /// Renders <paramref name="promptName"/> with the variables and asks <paramref name="modelName"/> for
    /// <paramref name="samples"/> samples starting at <paramref name="sampleOffset"/>. The call is counted against
    /// the flow's budget (cached answers count too, so a resumed run spends exactly as the first did).
    /// </summary>
    public static async Task<ModelResponse> CompleteAsync(ActivityContext context, string modelName, string promptName,
        IReadOnlyDictionary<string, object?> variables, int samples, int sampleOffset)
    {
        var layer = context.GetRequiredService<ModelLayer>();
        var prompts = layer.Prompts ?? throw new InvalidOperationException("no prompts folder is loaded");
        var rendered = prompts.Render(PromptFor(prompts, promptName, context.Problem), variables);
        var client = layer.GetClient(modelName);
        var tags = new CallTags(context.RunId, context.Flow.VariantId, context.ActivityId, context.Flow.ProblemId);
        var response = await context.RunLimitedAsync(ct => client.CompleteAsync(ModelRequest.For(rendered, samples, tags, sampleOffset), ct));
        var tokens = response.Usage + response.CachedUsage;
        // Samples refused by the run's budget were never asked for: not lost, but the end of this flow's spending.
        var refused = response.Samples.FirstOrDefault(s => s.Error?.Kind == ModelErrorKind.BudgetExceeded)?.Error;
        if (refused is not null) context.Budget.Exhaust(refused.Message.Split(':')[0]);
        var error = response.Samples.FirstOrDefault(s => s.Error is { Kind: not ModelErrorKind.BudgetExceeded })?.Error;
        // A request the run budget refused entirely made no call.
        var calls = refused is not null && response.Samples.All(s => s.Error?.Kind == ModelErrorKind.BudgetExceeded) ? 0 : 1;
        context.RecordModelCall(new ModelUsage(modelName, calls, tokens.InputTokens, tokens.OutputTokens, response.Cost, response.Latency, response.FromCache)
        {
            Prompt = promptName,
            Answers = response.Texts,
            Samples = samples - response.Samples.Count(s => s.Error?.Kind == ModelErrorKind.BudgetExceeded),
            FailedSamples = response.Samples.Count(s => s.Error is { Kind: not ModelErrorKind.BudgetExceeded }),
            FailedCalls = response.FailedCalls,
            Retries = Math.Max(0, response.Attempts - response.Calls),
            Error = error is null ? null : Describe(error),
        });
        // A provider that rejects every call (a wrong model name, a refused key) stops the run: going on would only
        // fail the rest of its calls one by one.
        if (error is { Kind: ModelErrorKind.CircuitOpen })
            throw new RunAbortedException($"model '{modelName}' (provider {response.Provider}, model id {response.ModelId}): {error.Message}");
        return response;
    }
}
