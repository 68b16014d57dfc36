using CliWrap.Buffered;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Seidr.Workflows.Execution.Sandbox;

/// <summary>The interpreter a runner uses, as found by running it once.</summary>
internal sealed record PythonInfo(string Executable, IReadOnlyList<string> Prefixes, string Version, string Implementation);

/// <summary>
/// Everything needed to start a worker: the runner's private directory (worker package, fallback temp root,
/// compile cache), the resolved interpreter, and the bubblewrap command line.
/// </summary>
internal sealed class SandboxEnvironment : IDisposable
{
    public const string SandboxWorkerDir = "/seidr/worker";
    public const string SandboxCacheDir = "/seidr/cache";

    private static int _uidCounter;

    public required string WorkDir { get; init; }
    /// <summary>The directory holding the extracted worker package (mounted at <see cref="SandboxWorkerDir"/>).</summary>
    public required string WorkerDir { get; init; }
    public required string CacheDir { get; init; }
    public required bool OwnsCacheDir { get; init; }
    public required PythonInfo Python { get; init; }
    public required bool IsRoot { get; init; }
    public string? BwrapPath { get; init; }
    public required RunnerOptions Options { get; init; }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    public static async Task<SandboxEnvironment> CreateAsync(RunnerOptions options, CancellationToken ct)
    {
        var python = await ProbePythonAsync(options.Python, ct).ConfigureAwait(false);
        var work = Directory.CreateTempSubdirectory("seidr-exec-").FullName;
        File.SetUnixFileMode(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                   UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var workerDir = Directory.CreateDirectory(Path.Combine(work, "worker")).FullName;
        await Worker.WorkerPackage.ExtractAsync(workerDir, ct).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(work, "tmp"));
        var ownsCache = options.CompileCacheDirectory is null;
        var cache = options.CompileCacheDirectory ?? Path.Combine(work, "cache");
        Directory.CreateDirectory(cache);
        foreach (var d in new[] { workerDir, Path.Combine(work, "tmp"), cache })
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        return new SandboxEnvironment
        {
            WorkDir = work,
            WorkerDir = workerDir,
            CacheDir = Path.GetFullPath(cache),
            OwnsCacheDir = ownsCache,
            Python = python,
            IsRoot = GetEuid() == 0,
            BwrapPath = FindOnPath("bwrap"),
            Options = options,
        };
    }

    public static string? FindOnPath(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static async Task<PythonInfo> ProbePythonAsync(string python, CancellationToken ct)
    {
        const string code = "import sys,json,os,platform;print(json.dumps({'exe':os.path.realpath(sys.executable),'p':sorted({sys.prefix,sys.base_prefix,sys.exec_prefix,getattr(sys,'base_exec_prefix',sys.prefix)}),'v':sys.version.split()[0],'i':platform.python_implementation()}))";
        BufferedCommandResult result;
        try
        {
            result = await CliWrap.Cli.Wrap(python).WithArguments(["-c", code])
                .WithValidation(CliWrap.CommandResultValidation.None)
                .ExecuteBufferedAsync(ct).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ExecutionSetupException($"Python interpreter '{python}' not found ({e.Message}). Install it or choose another with RunnerOptions.Python.");
        }
        if (result.ExitCode != 0)
            throw new ExecutionSetupException($"Python interpreter '{python}' failed to start: {result.StandardError.Trim()}");
        using var doc = JsonDocument.Parse(result.StandardOutput.Trim());
        var r = doc.RootElement;
        return new PythonInfo(r.GetProperty("exe").GetString()!,
            r.GetProperty("p").EnumerateArray().Select(x => x.GetString()!).Where(x => x.Length > 0).ToArray(),
            r.GetProperty("v").GetString()!, r.GetProperty("i").GetString()!);
    }

    /// <summary>Whether a process with another uid can reach the interpreter's files (every parent directory o+x).</summary>
    public bool InterpreterWorldReadable()
    {
        foreach (var root in Python.Prefixes.Append(Path.GetDirectoryName(Python.Executable)!))
        {
            for (var d = new DirectoryInfo(root); d is not null; d = d.Parent)
            {
                if (!d.Exists) continue;
                if ((d.UnixFileMode & UnixFileMode.OtherExecute) == 0) return false;
            }
        }
        return true;
    }

    /// <summary>A fresh uid for a worker's programs: unique within this machine's runners with high probability, never 0.</summary>
    public static int NextSandboxUid() =>
        100_000_000 + (Environment.ProcessId % 1_000_000) * 1000 + Interlocked.Increment(ref _uidCounter) % 1000;

    /// <summary>
    /// How a worker is started. Workers stay on <see cref="Process"/>, not CliWrap (which the other processes here use):
    /// a worker lives for the whole run and talks a framed protocol over stdin/stdout while it runs, the runner needs
    /// its pid and must kill it at once, and it has to be forked from one long-lived thread (<c>SpawnThread</c>:
    /// bubblewrap's --die-with-parent and PDEATHSIG follow the forking thread). CliWrap runs a command to completion
    /// on the caller's thread and gives neither the handle nor the choice of thread.
    /// </summary>
    public ProcessStartInfo WorkerStartInfo(SandboxMode mode, int? uid, bool guarded = false)
    {
        var cfg = new Dictionary<string, object?>
        {
            ["guarded"] = guarded,
            ["uid"] = uid,
            ["gid"] = uid,
            ["cleanup"] = mode == SandboxMode.Bubblewrap ? "namespace" : uid is not null ? "uid" : "children",
            ["tmp"] = mode == SandboxMode.Bubblewrap ? "/tmp" : Path.Combine(WorkDir, "tmp"),
            ["cleanShm"] = mode == SandboxMode.Bubblewrap,
            ["pdeathsig"] = mode != SandboxMode.Bubblewrap,
            ["fastFork"] = Options.FastFork,
        };
        var cfgJson = JsonSerializer.Serialize(cfg);
        ProcessStartInfo psi;
        if (mode == SandboxMode.Bubblewrap)
        {
            psi = new ProcessStartInfo(BwrapPath ?? "bwrap");
            foreach (var a in BwrapArguments()) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(Python.Executable);
            psi.ArgumentList.Add("-s");
            psi.ArgumentList.Add("-B");
            psi.ArgumentList.Add(Worker.WorkerPackage.EntryPoint(SandboxWorkerDir));
        }
        else
        {
            psi = new ProcessStartInfo(Python.Executable);
            psi.ArgumentList.Add("-s");
            psi.ArgumentList.Add("-B");
            psi.ArgumentList.Add(Worker.WorkerPackage.EntryPoint(WorkerDir));
            psi.WorkingDirectory = Path.Combine(WorkDir, "tmp");
        }
        psi.ArgumentList.Add(cfgJson);
        psi.UseShellExecute = false;
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        psi.StandardOutputEncoding = System.Text.Encoding.UTF8;
        psi.StandardErrorEncoding = System.Text.Encoding.UTF8;
        // Scrub the environment: no API keys, tokens or HOME reach the worker, even without bubblewrap.
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        // A fixed string-hash seed: a program whose answer follows set or dict order of strings (list(set(words)))
        // gets the same verdict in every worker and every run, instead of one drawn per worker process.
        psi.Environment["PYTHONHASHSEED"] = HashSeed;
        psi.Environment["HOME"] = Path.Combine(WorkDir, "tmp");
        return psi;
    }

    private IEnumerable<string> BwrapArguments()
    {
        var args = new List<string>
        {
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
        };
        if (IsRoot)
        {
            // As root (no user namespace) the worker keeps only what it needs: switching its children to their own
            // uid, owning/removing their directories and killing them, and pinning the pages a zygote's children
            // write (CAP_IPC_LOCK: the pins of all workers are not counted against root's 8 MiB RLIMIT_MEMLOCK), and
            // lowering the priority of a check that runs long (CAP_SYS_NICE: its child runs under another uid).
            // No CAP_SYS_ADMIN, CAP_MKNOD, CAP_NET_*, ...; programs run under their own uid with no capability.
            args.AddRange(["--cap-drop", "ALL"]);
            foreach (var cap in new[] { "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_IPC_LOCK", "CAP_SYS_NICE" })
                args.AddRange(["--cap-add", cap]);
        }
        foreach (var top in new[] { "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32" })
        {
            var info = new FileInfo(top);
            if (info.LinkTarget is { } target) { args.AddRange(["--symlink", target, top]); }
            else if (Directory.Exists(top)) { args.AddRange(["--ro-bind", top, top]); }
        }
        foreach (var etc in new[] { "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd", "/etc/group" })
            args.AddRange(["--ro-bind-try", etc, etc]);
        args.AddRange(["--proc", "/proc", "--dev", "/dev"]);
        args.AddRange(["--perms", "0755", "--size", Options.SandboxTmpBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tmpfs", "/tmp"]);
        var created = new HashSet<string>(StringComparer.Ordinal) { "/", "/usr", "/tmp", "/proc", "/dev", "/etc" };
        void Dirs(string path)
        {
            var parts = new List<string>();
            for (var d = Path.GetDirectoryName(path); !string.IsNullOrEmpty(d) && d != "/"; d = Path.GetDirectoryName(d)) parts.Add(d);
            parts.Reverse();
            foreach (var d in parts)
                if (created.Add(d)) args.AddRange(["--perms", "0755", "--dir", d]);
        }
        foreach (var prefix in Python.Prefixes.Where(p => !IsUnder(p, "/usr")).Distinct())
        {
            Dirs(prefix);
            created.Add(prefix);
            args.AddRange(["--ro-bind", prefix, prefix]);
        }
        Dirs(SandboxWorkerDir);
        args.AddRange(["--ro-bind", WorkerDir, SandboxWorkerDir]);
        args.AddRange(["--ro-bind", CacheDir, SandboxCacheDir]);
        args.AddRange(["--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
                       "--setenv", "PYTHONIOENCODING", "utf-8", "--setenv", "PYTHONHASHSEED", HashSeed, "--setenv", "HOME", "/tmp", "--chdir", "/tmp", "--remount-ro", "/"]);
        return args;
    }

    // The seed every sandboxed interpreter hashes strings with (see the worker's environment above).
    internal const string HashSeed = "0";

    private static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

    public void Dispose()
    {
        try
        {
            if (OwnsCacheDir) Directory.Delete(CacheDir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        try { Directory.Delete(WorkDir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
