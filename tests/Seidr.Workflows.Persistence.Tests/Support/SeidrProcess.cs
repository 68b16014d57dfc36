using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Seidr.Workflows.Persistence.Tests.Support;

/// <summary>The real <c>seidr</c> CLI as a child process (<c>dotnet exec seidr.dll ...</c>), which a test may kill -9.</summary>
public sealed class SeidrProcess : IDisposable
{
    public static string RepoRoot { get; } = global::Seidr.Workflows.Tests.RepoRoot.Path;
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "seidr.dll");

    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();

    private SeidrProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static SeidrProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null) => new(args, env);

    public static async Task<(int Exit, string Out, string Err)> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        using var p = Start(args, env);
        var exit = await p.WaitAsync(timeout ?? TimeSpan.FromMinutes(5));
        return (exit, p.Output, p.Errors);
    }

    public string Output { get { lock (_out) return _out.ToString(); } }
    public string Errors { get { lock (_err) return _err.ToString(); } }
    public bool HasExited => _process.HasExited;

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(true); throw new TimeoutException($"seidr did not finish in {timeout}: {Output}\n{Errors}"); }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the seidr process alone, as <c>kill -9 PID</c> does.</summary>
    public void Kill9()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(true);
        _process.Dispose();
    }

    /// <summary>A count from a SQLite file a running process writes (WAL: readers do not block it); -1 while the file or table is not there yet.</summary>
    public static long Count(string dbPath, string sql)
    {
        if (!File.Exists(dbPath)) return -1;
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(cmd.ExecuteScalar());
        }
        catch (SqliteException) { return -1; }
    }

    /// <summary>Runs a statement on a SQLite file (to leave a stored run as a crash would).</summary>
    public static void Execute(string dbPath, string sql)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
