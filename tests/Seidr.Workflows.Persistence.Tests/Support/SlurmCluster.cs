using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Seidr.Workflows.Persistence.Tests.Support;

/// <summary>
/// A real single-node Slurm cluster for one test class, from Debian's slurm-wlm: <c>slurmctld -D</c> and
/// <c>slurmd -D</c> as child processes with a slurm.conf of their own (<c>AuthType=auth/none</c> and
/// <c>CredType=cred/none</c>: no munge; <c>ProctrackType=proctrack/linuxproc</c>, <c>TaskPlugin=task/none</c>: no
/// cgroups), state, spool and logs in a temp folder, on two free ports; the node is <c>localhost</c> with this
/// machine's CPUs. Clients (sbatch, squeue, scontrol, scancel) find it through <c>SLURM_CONF</c>. Run as root, the
/// daemons run as root (as on CI); as another user, <c>SlurmUser</c> and <c>SlurmdUser</c> are that user, so slurmd runs
/// without root and jobs run as the same user (it cannot switch users, which a test does not need). On dispose every
/// job is cancelled, then the daemons are stopped and the folder is deleted. Missing binaries fail the tests that need
/// the cluster, naming the installer (.ci/install-slurm.sh).
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly List<Process> _daemons = [];

    public SlurmCluster()
    {
        string? Find(string name) => new[] { "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        var ctld = Find("slurmctld");
        var slurmd = Find("slurmd");
        if (ctld is null || slurmd is null || Find("sbatch") is null)
        {
            Missing = "Slurm is not installed (slurmctld, slurmd, sbatch from Debian's slurm-wlm): run .ci/install-slurm.sh (or filter Category!=Slow)";
            return;
        }
        Dir = Path.Combine(Path.GetTempPath(), "seidr-slurm-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var d in new[] { "state", "spool", "log" }) Directory.CreateDirectory(Path.Combine(Dir, d));
        var user = Environment.UserName;
        Conf = Path.Combine(Dir, "slurm.conf");
        File.WriteAllText(Conf, $"""
            ClusterName=seidrtest
            SlurmctldHost=localhost
            SlurmctldPort={FreePort()}
            SlurmdPort={FreePort()}
            SlurmUser={user}
            SlurmdUser={user}
            AuthType=auth/none
            CredType=cred/none
            StateSaveLocation={Dir}/state
            SlurmdSpoolDir={Dir}/spool
            SlurmctldPidFile={Dir}/slurmctld.pid
            SlurmdPidFile={Dir}/slurmd.pid
            SlurmctldLogFile={Dir}/log/slurmctld.log
            SlurmdLogFile={Dir}/log/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            SchedulerType=sched/builtin
            MpiDefault=none
            ReturnToService=2
            JobRequeue=1
            KillWait=5
            NodeName=localhost CPUs={Environment.ProcessorCount} RealMemory=1000 State=UNKNOWN
            PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
            """);
        // -i: start with no saved state (a fresh cluster); -D: stay in the foreground as our child, so dispose can stop it.
        _daemons.Add(Start(ctld, "-D", "-i", "-f", Conf));
        _daemons.Add(Start(slurmd, "-D", "-N", "localhost", "-f", Conf));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var state = TryRun("sinfo", "-h", "-o", "%t");
            if (state is { } s && s.Trim() is "idle" or "mix" or "alloc") break;
            if (DateTime.UtcNow > deadline || _daemons.Any(d => d.HasExited))
                throw new InvalidOperationException($"the test Slurm cluster did not come up (sinfo: {state?.Trim()}):\n{Logs()}");
            Thread.Sleep(250);
        }
        Started = true;
    }

    public string Dir { get; } = "";
    public string Conf { get; } = "";
    public bool Started { get; }
    public string? Missing { get; }

    /// <summary>Throws, naming the installer, when the cluster could not be started here.</summary>
    public void Require()
    {
        if (Missing is not null) throw new InvalidOperationException(Missing);
    }

    /// <summary>Runs a Slurm client command against this cluster; its standard output, or an exception with its errors.</summary>
    public string Run(string tool, params string[] args)
    {
        var (exit, stdout, stderr) = Exec(tool, args);
        if (exit != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({exit}): {stderr}{stdout}");
        return stdout;
    }

    private string? TryRun(string tool, params string[] args)
    {
        var (exit, stdout, _) = Exec(tool, args);
        return exit == 0 ? stdout : null;
    }

    private (int Exit, string Out, string Err) Exec(string tool, string[] args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Conf;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Submits a batch script as an array job whose tasks get this process's environment and <paramref name="env"/>; returns the job id.</summary>
    public string SubmitArray(string script, string array, string workingDirectory, IReadOnlyDictionary<string, string>? env = null)
    {
        string[] args = ["--parsable", $"--array={array}", "--requeue", "--open-mode=append", $"--chdir={workingDirectory}",
            $"--output={Path.Combine(Dir, "job-%A_%a.out")}", "--export=ALL", script];
        var (exit, stdout, stderr) = Exec("sbatch", args, env);
        if (exit != 0) throw new InvalidOperationException($"sbatch {string.Join(' ', args)} failed ({exit}): {stderr}{stdout}");
        return stdout.Trim().Split(';')[0];
    }

    /// <summary>State of every task of a job still known to the scheduler ("1_0" -> "RUNNING"); empty when all are done.</summary>
    public Dictionary<string, string> Tasks(string jobId) =>
        Run("squeue", "-h", "-r", "-j", jobId, "-o", "%i %T").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1].Trim());

    /// <summary>Waits until no task of the job is pending or running.</summary>
    public async Task WaitDoneAsync(string jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Tasks(jobId).Count > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId} not done after {timeout}: {string.Join(", ", Tasks(jobId))}\n{JobOutputs(jobId)}");
            await Task.Delay(500);
        }
    }

    /// <summary>Everything the job's tasks printed (their --output files), by task.</summary>
    public string JobOutputs(string jobId)
    {
        var sb = new StringBuilder();
        foreach (var f in Directory.GetFiles(Dir, $"job-{jobId}_*.out").Order()) sb.Append("== ").AppendLine(Path.GetFileName(f)).AppendLine(File.ReadAllText(f));
        return sb.ToString();
    }

    /// <summary>What one task printed.</summary>
    public string TaskOutput(string jobId, int task)
    {
        var f = Path.Combine(Dir, $"job-{jobId}_{task}.out");
        return File.Exists(f) ? File.ReadAllText(f) : "";
    }

    public string Logs()
    {
        var sb = new StringBuilder();
        foreach (var f in Directory.Exists(Path.Combine(Dir, "log")) ? Directory.GetFiles(Path.Combine(Dir, "log")) : [])
            sb.Append("== ").AppendLine(f).AppendLine(string.Join('\n', File.ReadAllLines(f).TakeLast(30)));
        return sb.ToString();
    }

    /// <summary>A daemon in the foreground. It also writes its log to stderr there: read and dropped (the log file has it).</summary>
    private static Process Start(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public void Dispose()
    {
        if (Dir.Length == 0) return;
        try
        {
            if (Started)
            {
                // Jobs first: their slurmstepd processes outlive slurmd, so they must end while it still manages them.
                TryRun("scancel", "--full", "--user", Environment.UserName);
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (DateTime.UtcNow < deadline && TryRun("squeue", "-h") is { Length: > 0 }) Thread.Sleep(250);
            }
        }
        finally
        {
            foreach (var d in _daemons)
            {
                try
                {
                    if (!d.HasExited) { Process.Start("kill", ["-TERM", d.Id.ToString()])!.WaitForExit(); }
                    if (!d.WaitForExit(10_000)) d.Kill();
                    d.WaitForExit();
                }
                catch (InvalidOperationException) { }
                d.Dispose();
            }
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
