using System.Collections.Concurrent;
using CliWrap.Buffered;
using System.Security.Cryptography;
using System.Text;
using Seidr.Workflows.Execution.Sandbox;

namespace Seidr.Workflows.Execution;

/// <summary>A compiled C++ program, or why it did not compile.</summary>
internal sealed record CompileOutcome(bool Ok, string? SandboxPath, string Output, string Key);

/// <summary>
/// Compiles each distinct C++ source once (inside the sandbox, with limits) and keeps the binary in a cache keyed by
/// SHA-256 of compiler identity, flags and source. Concurrent requests for the same source share one compilation.
/// </summary>
internal sealed class CppCompileCache(SandboxRunner runner, SandboxEnvironment env, RunnerOptions options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CompileOutcome>>> _inflight = new(StringComparer.Ordinal);
    private string? _compilerId;
    private string? _compilerPath;
    private int _compilations;

    /// <summary>Compiler runs so far (a source compiled once is counted once, however many tests and stages use it).</summary>
    public int Compilations => _compilations;

    /// <summary>Limits for the compiler itself.</summary>
    public static ExecutionLimits CompileLimits { get; } = new()
    {
        WallTimeout = TimeSpan.FromSeconds(60), MemoryMb = 2048, MaxProcesses = 64, MaxFileBytes = 256L << 20, MaxOutputBytes = 256 << 10,
    };

    public async Task<CompileOutcome> CompileAsync(string source, CancellationToken ct)
    {
        await EnsureCompilerAsync(ct).ConfigureAwait(false);
        var key = Key(source);
        var lazy = _inflight.GetOrAdd(key, k => new Lazy<Task<CompileOutcome>>(() => CompileUncachedAsync(k, source, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _inflight.TryRemove(key, out _);
            throw;
        }
    }

    internal string Key(string source)
    {
        var text = $"{_compilerId}\0{string.Join(' ', options.CppFlags)}\0{source}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
    }

    private async Task EnsureCompilerAsync(CancellationToken ct)
    {
        if (_compilerId is not null) return;
        var path = SandboxEnvironment.FindOnPath(options.CppCompiler)
                   ?? throw new ExecutionSetupException($"C++ compiler '{options.CppCompiler}' not found on PATH");
        path = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        // The compiler's identity, part of every cache key. The compilation itself runs in the sandbox (a worker's
        // request), not here.
        var result = await CliWrap.Cli.Wrap(path).WithArguments(["--version"]).WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync(ct).ConfigureAwait(false);
        if (result.ExitCode != 0) throw new ExecutionSetupException($"C++ compiler '{path} --version' failed ({result.ExitCode}): {result.StandardError.Trim()}");
        var version = result.StandardOutput.Split('\n')[0].Trim();
        _compilerPath = path;
        _compilerId = $"{path}|{version}";
    }

    private async Task<CompileOutcome> CompileUncachedAsync(string key, string source, CancellationToken ct)
    {
        var dir = Path.Combine(env.CacheDir, key);
        var binary = Path.Combine(dir, "prog");
        var errorFile = Path.Combine(dir, "compile-error.txt");
        var sandboxPath = runner.Sandbox.Mode == SandboxMode.Bubblewrap ? $"{SandboxEnvironment.SandboxCacheDir}/{key}/prog" : binary;
        if (File.Exists(binary)) return new CompileOutcome(true, sandboxPath, "", key);
        if (File.Exists(errorFile)) return new CompileOutcome(false, null, await File.ReadAllTextAsync(errorFile, ct).ConfigureAwait(false), key);

        Interlocked.Increment(ref _compilations);
        var argv = new List<string> { _compilerPath! };
        argv.AddRange(options.CppFlags);
        argv.AddRange(["-o", "prog", "main.cpp"]);
        var (result, file) = await runner.ExecWithFilesAsync([.. argv], new Dictionary<string, string> { ["main.cpp"] = source }, "prog", CompileLimits, ct).ConfigureAwait(false);
        Directory.CreateDirectory(dir);
        if (result.Status == ProgramStatus.Ok && file is not null)
        {
            var tmp = binary + "." + Guid.NewGuid().ToString("N");
            await File.WriteAllBytesAsync(tmp, file, ct).ConfigureAwait(false);
            File.SetUnixFileMode(tmp, (UnixFileMode)0b111_101_101);
            File.Move(tmp, binary, overwrite: true);
            return new CompileOutcome(true, sandboxPath, result.Stderr, key);
        }
        var output = (result.Stderr + result.Stdout).Trim();
        if (result.Status != ProgramStatus.Error) output = $"compiler {result.Status.ToString().ToLowerInvariant()}: {result.Message}\n{output}".Trim();
        else await File.WriteAllTextAsync(errorFile, output, ct).ConfigureAwait(false);
        return new CompileOutcome(false, null, output, key);
    }
}
