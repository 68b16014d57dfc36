using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>
/// CodeT's post-processing rules (microsoft/CodeT, <c>src/postprocess.py</c>), reproduced exactly: how a code sample
/// becomes a program and how a test sample becomes test cases.
/// </summary>
internal static class CodeTRules
{
    /// <summary>Test cases used per test sample (CodeT's <c>--test_case_limit</c>, default 5).</summary>
    public const int TestCaseLimit = 5;

    /// <summary>CodeT's <c>solution_extract</c>: the completion up to the first stop string.</summary>
    public static string CutSolution(string completion) => CodeText.CutCompletion(completion);

    /// <summary>
    /// CodeT's <c>test_case_extract</c> before its compile check: <c>"assert " + sample</c> split on <c>"assert "</c>,
    /// parts that name the entry point kept (<c>"assert " + part</c>, stripped), each cut at the first stop string
    /// and stripped; empty ones and ones without <c>assert</c> are dropped (as <c>_check_test_case_validation</c>
    /// does before compiling). Order and duplicates are kept.
    /// </summary>
    public static IReadOnlyList<string> SplitTestCases(string sample, string entryPoint)
    {
        var name = entryPoint.Trim();
        var cases = new List<string>();
        foreach (var part in ("assert " + sample).Split("assert "))
        {
            if (!part.Contains(name, StringComparison.Ordinal) || PyStrip(part).Length == 0) continue;
            var test = PyStrip(CodeText.CutCompletion(PyStrip("assert " + part)));
            if (PyStrip(test).Length < 1 || !test.Contains("assert", StringComparison.Ordinal)) continue;
            cases.Add(test);
        }
        return cases;
    }

    /// <summary>The block CodeT compiles to accept a test case: the case inside <c>try: ... except: pass</c>.</summary>
    public static string CompileProbe(string testCase) => $"try:\n    {testCase.Replace("\n", "\n    ", StringComparison.Ordinal)}\nexcept:\n    pass\n";

    /// <summary>Python's <c>str.strip()</c> with no argument (whitespace as Python defines it).</summary>
    public static string PyStrip(string s) => s.Trim(PyWhitespace);

    private static readonly char[] PyWhitespace =
        [' ', '\t', '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\xa0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003',
         '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];
}

/// <summary>Whether Python source compiles (<c>compile(src, "", "exec")</c>), asked of the sandboxed interpreter in one run.</summary>
internal static class PythonSyntax
{
    private const string Checker = """
        import json, sys
        sources = json.loads(sys.stdin.read())
        verdicts = []
        for s in sources:
            try:
                compile(s, '', 'exec')
                verdicts.append(True)
            except Exception:
                verdicts.append(False)
        sys.stdout.write(json.dumps(verdicts))
        """;

    /// <summary>One verdict per source, in order, checked now. Throws when the checker itself cannot run (a broken sandbox).</summary>
    public static Task<IReadOnlyList<bool>> CompilesAsync(SandboxRunner runner, IReadOnlyList<string> sources, CancellationToken cancellationToken) =>
        sources.Count == 0 ? Task.FromResult<IReadOnlyList<bool>>([]) : CheckAsync(runner, sources, cancellationToken);

    /// <summary>
    /// One verdict per source, in order, each distinct list checked once per run: the variants of a ranking comparison
    /// extract the same test samples, and compiling is deterministic (the 164 x 3 flows of codet.yaml ran 492 checker
    /// processes, then 164). The verdicts are kept in <paramref name="verdicts"/>, the run's, by the SHA-256 of the sources.
    /// </summary>
    public static async Task<IReadOnlyList<bool>> CompilesAsync(SandboxRunner runner, RunVerdicts verdicts, IReadOnlyList<string> sources, CancellationToken cancellationToken)
    {
        if (sources.Count == 0) return [];
        var known = verdicts.SyntaxChecks;
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0000", sources))));
        var task = known.GetOrAdd(key, _ => CheckAsync(runner, sources, cancellationToken));
        try { return await task.WaitAsync(cancellationToken); }
        catch (Exception) when (task.IsFaulted || task.IsCanceled)
        {
            known.TryRemove(new KeyValuePair<string, Task<IReadOnlyList<bool>>>(key, task));   // a failed or cancelled check is asked again
            // Another flow's check, cancelled with that flow: this caller still wants the verdicts.
            if (task.IsCanceled && !cancellationToken.IsCancellationRequested) return await CompilesAsync(runner, verdicts, sources, cancellationToken);
            throw;
        }
    }

    private static async Task<IReadOnlyList<bool>> CheckAsync(SandboxRunner runner, IReadOnlyList<string> sources, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(new RunRequest(ProgramLanguage.Python, Checker)
        {
            Stdin = JsonSerializer.Serialize(sources),
            Limits = ExecutionLimits.Default with { WallTimeout = TimeSpan.FromSeconds(30), MaxOutputBytes = 16 << 20 },
        }, cancellationToken);
        if (result.Status != ProgramStatus.Ok)
            throw new InvalidOperationException($"the Python syntax check did not run: {result.Status} {result.Message} {result.Stderr}".TrimEnd());
        var verdicts = JsonSerializer.Deserialize<List<bool>>(result.Stdout) ?? [];
        if (verdicts.Count != sources.Count)
            throw new InvalidOperationException($"the Python syntax check returned {verdicts.Count} verdicts for {sources.Count} sources");
        return verdicts;
    }
}
