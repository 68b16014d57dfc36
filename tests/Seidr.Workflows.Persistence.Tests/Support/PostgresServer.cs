using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Seidr.Workflows.Persistence.Tests.Support;

/// <summary>
/// A real PostgreSQL server for one test class: <c>initdb</c> in a temp folder, <c>pg_ctl start</c> on 127.0.0.1 and a
/// free port, stopped and deleted on dispose. Runs as the <c>postgres</c> user when the tests run as root (the server
/// refuses root). Missing binaries fail the tests that need the server, naming the installer (.ci/install-persistence.sh).
/// </summary>
public class PostgresServer : IDisposable
{
    private readonly string _settings;
    private readonly string _dir = "";
    private readonly string _bin = "";
    private readonly bool _asPostgresUser;

    public PostgresServer() : this(durable: false) { }

    /// <param name="durable">Commits are flushed before they are acknowledged (fsync, synchronous_commit), as on a real
    /// server: a crash then loses no acknowledged write. Off by default: faster, and most tests never crash the server.</param>
    protected PostgresServer(bool durable)
    {
        _settings = durable ? "" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off ";
        Bin = FindBin();
        if (Bin is null) return; // the tests say so (Started is false)
        _bin = Bin;
        _asPostgresUser = Environment.UserName == "root" || GetUid() == 0;
        _dir = Path.Combine(Path.GetTempPath(), "seidr-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        if (_asPostgresUser) Run("chown", "-R", "postgres:", _dir);
        Port = FreePort();
        var data = Path.Combine(_dir, "data");
        Pg("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        Pg("pg_ctl", "-D", data, "-l", Path.Combine(_dir, "log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 {_settings}-c max_connections=200", "start");
        Started = true;
    }

    public string? Bin { get; }
    public bool Started { get; }
    public int Port { get; }

    /// <summary>A connection string to a fresh database on this server; without the server binaries, an error naming the installer.</summary>
    public string NewDatabase()
    {
        if (!Started) throw new InvalidOperationException("PostgreSQL server binaries are not installed: run .ci/install-persistence.sh (or filter Category!=Postgres)");
        var name = "seidr_" + Guid.NewGuid().ToString("N")[..10];
        using (var c = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={Port};Database=postgres;Username=postgres;Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {name}";
            cmd.ExecuteNonQuery();
        }
        return $"Host=127.0.0.1;Port={Port};Database={name};Username=postgres;Pooling=true;Maximum Pool Size=20";
    }

    /// <summary>Stops the server at once (pg_ctl -m immediate: what a crash or a killed container does to clients).</summary>
    public void Stop() => Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");

    /// <summary>Starts the stopped server again on the same port.</summary>
    public void Start() => Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"), "-w", "-t", "60", "-o",
        $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 {_settings}-c max_connections=200", "start");

    public void Dispose()
    {
        if (!Started) return;
        try { Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"); }
        catch (InvalidOperationException) { } // a test left it stopped
        finally { try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } }
    }

    private void Pg(string tool, params string[] args)
    {
        var exe = Path.Combine(_bin, tool);
        if (_asPostgresUser) Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    /// <summary>The folder holding initdb, pg_ctl and postgres: PATH, /usr/local/bin, or the newest /usr/lib/postgresql/*/bin.</summary>
    public static string? FindBin()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/local/bin")
            .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")) : []);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")) && File.Exists(Path.Combine(d, "postgres")));
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static uint GetUid()
    {
        try { return uint.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]); }
        catch (Exception) { return 1; }
    }
}

/// <summary>A <see cref="PostgresServer"/> that flushes commits before acknowledging them: for tests that crash it.</summary>
public sealed class DurablePostgresServer() : PostgresServer(durable: true);
