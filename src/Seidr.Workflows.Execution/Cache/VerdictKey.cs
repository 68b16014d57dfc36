using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Seidr.Workflows.Execution.Cache;

/// <summary>
/// The key of a verdict: a SHA-256 of everything that decides it. The program text, each test (its kind and fields),
/// the limits, the comparison rule, the interpreter and its version, the sandbox mode and, for C++, compiler and
/// flags, and the worker package itself. Anything left out here would let a changed setting serve a stale verdict, so new
/// inputs to a verdict must be added here.
/// </summary>
internal static class VerdictKey
{
    // The key's own layout; raised when fields are added or change meaning.
    private const string Version = "seidr-verdict-v2";

    // The worker decides verdicts (guards, comparison of values, time limits): any change to it starts a new cache.
    private static readonly string WorkerHash = Worker.WorkerPackage.Hash();

    // The C++ harness (prelude, main, comparison and printing) decides C++ function-test verdicts as the worker does Python's.
    private static readonly string CppHarnessHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Cpp.CppTestHarness.Build("", []))));

    public static string ForTests(TestRunRequest request, SandboxInfo sandbox, RunnerOptions options)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Common(h, "tests", sandbox, options);
        Field(h, request.Language.ToString());
        Field(h, request.Source);
        Field(h, request.Tests.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var t in request.Tests)
        {
            Field(h, t.GetType().Name);
            Field(h, JsonSerializer.Serialize(t, t.GetType()));
        }
        Field(h, request.TestTimeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(h, JsonSerializer.Serialize(request.Limits));
        Field(h, JsonSerializer.Serialize(request.Comparison));
        Field(h, request.MaxTimeouts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        // C++ function tests: the translated tests call the entry point, and the harness decides their verdicts.
        Field(h, request.EntryPoint ?? "");
        Field(h, request.Language == ProgramLanguage.Cpp ? CppHarnessHash : "");
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    public static string ForCheck(string program, TimeSpan timeout, ExecutionLimits limits, SandboxInfo sandbox, RunnerOptions options)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Common(h, "check", sandbox, options);
        Field(h, program);
        Field(h, timeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(h, JsonSerializer.Serialize(limits));
        // A deprioritised check gets less CPU past this point, which can decide a verdict near its limit.
        Field(h, options.DeprioritizeChecksAfter?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    private static void Common(IncrementalHash h, string op, SandboxInfo sandbox, RunnerOptions options)
    {
        Field(h, Version);
        Field(h, WorkerHash);
        Field(h, op);
        Field(h, sandbox.Mode.ToString());
        Field(h, sandbox.Interpreter);
        Field(h, sandbox.InterpreterVersion);
        Field(h, options.CppCompiler);
        Field(h, string.Join(' ', options.CppFlags));
    }

    // Length-prefixed, so that no two different field lists hash the same bytes.
    private static void Field(IncrementalHash h, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        h.AppendData(BitConverter.GetBytes(bytes.Length));
        h.AppendData(bytes);
    }
}
