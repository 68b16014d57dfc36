using System.Net;
using System.Net.Sockets;
using Seidr.Workflows.Persistence.Tests.Support;
using Seidr.Workflows.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Reliability.Tests;

/// <summary>
/// Every command against what goes wrong around it (a store that is not a database, a database that does not answer,
/// folders that cannot be written, a full disk, missing files): each ends with one line saying what is wrong, a
/// failing exit code, and no stack trace.
/// </summary>
public sealed class CliErrorTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-cli-errors-").FullName;
    private static readonly string Quickstart = Path.Combine(SeidrProcess.RepoRoot, "workflows", "quickstart.yaml");

    private string Garbage(string name)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        return path;
    }

    private static string ClosedPostgres()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return $"Host=127.0.0.1;Port={port};Database=seidr;Username=seidr;Password=hunter2-secret;Timeout=3";
    }

    public static TheoryData<string> Cases => new()
    {
        "run: a store file that is not a database",
        "run: a PostgreSQL store that does not answer",
        "run --resume: a store file that is not a database",
        "runs: a store file that is not a database",
        "runs: a PostgreSQL store that does not answer",
        "report: a store file that is not a database",
        "report: a PostgreSQL store that does not answer",
        "run: an output folder under a file",
        "validate: a folder instead of a file",
        "convert: a missing file",
        "exec: a missing program",
        "eval: a missing samples file",
        "serve: a missing workflows folder",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_broken_store_or_path_gives_one_line_and_a_failing_exit_code(string what)
    {
        string[] args = what switch
        {
            "run: a store file that is not a database" => ["run", Quickstart, "--store", Garbage("a.db"), "-q"],
            "run: a PostgreSQL store that does not answer" => ["run", Quickstart, "--store", ClosedPostgres(), "-q"],
            "run --resume: a store file that is not a database" => ["run", "--resume", "r1", "--out", Path.GetDirectoryName(Garbage("resume/run.db"))!, "-q"],
            "runs: a store file that is not a database" => ["runs", "--store", Garbage("b.db")],
            "runs: a PostgreSQL store that does not answer" => ["runs", "--store", ClosedPostgres()],
            "report: a store file that is not a database" => ["report", "r1", "--store", Garbage("c.db"), "--html", Path.Combine(_dir, "r.html")],
            "report: a PostgreSQL store that does not answer" => ["report", "r1", "--store", ClosedPostgres(), "--html", Path.Combine(_dir, "r.html")],
            "run: an output folder under a file" => ["run", Quickstart, "--out", Path.Combine(Garbage("file"), "out"), "-q"],
            "validate: a folder instead of a file" => ["validate", _dir],
            "convert: a missing file" => ["convert", Path.Combine(_dir, "missing.yaml"), "--to", "json"],
            "exec: a missing program" => ["exec", Path.Combine(_dir, "missing.py"), "--json"],
            "eval: a missing samples file" => ["eval", "humaneval", Path.Combine(_dir, "missing.jsonl")],
            "serve: a missing workflows folder" => ["serve", "--workflows", Path.Combine(_dir, "missing"), "--port", "0"],
            _ => throw new ArgumentException(what),
        };
        var (exit, stdout, stderr) = await SeidrProcess.RunAsync(args, timeout: TimeSpan.FromMinutes(2));
        log.WriteLine($"{what}: exit {exit}\n{stderr}");
        AssertOneLineError(exit, stdout, stderr);
        stderr.Should().NotContain("hunter2-secret", "a password never reaches the user's screen");
    }

    public static TheoryData<string> DiskCases => new()
    {
        "run: a full disk under --out",
        "run: a read-only --out",
        "schema: a full disk",
        "convert: a read-only output",
        "report: a read-only --html",
    };

    [MountNamespaceTheory]
    [MemberData(nameof(DiskCases))]
    public async Task A_full_disk_or_a_read_only_folder_gives_one_line_and_a_failing_exit_code(string what)
    {
        var full = Path.Combine(_dir, "full");
        var ro = Path.Combine(_dir, "ro");
        if (what.StartsWith("report", StringComparison.Ordinal))
        {
            var (made, o, e) = await SeidrProcess.RunAsync(["run", Quickstart, "--out", Path.Combine(_dir, "quick"), "--run-id", "quick", "-q"]);
            made.Should().Be(0, o + e);
        }
        string[] args = what switch
        {
            "run: a full disk under --out" => ["run", Quickstart, "--out", Path.Combine(full, "out"), "-q"],
            "run: a read-only --out" => ["run", Quickstart, "--out", Path.Combine(ro, "out"), "-q"],
            "schema: a full disk" => ["schema", "--for", "yaml", "-o", Path.Combine(full, "schema.json")],
            "convert: a read-only output" => ["convert", Quickstart, "--to", "json", "-o", Path.Combine(ro, "q.json")],
            "report: a read-only --html" => ["report", "quick", "--out", Path.Combine(_dir, "quick"), "--html", Path.Combine(ro, "r.html")],
            _ => throw new ArgumentException(what),
        };
        var (exit, stdout, stderr) = await Confined.RunAsync(full, ro, sizeKb: 512, freeKb: 8, args);
        log.WriteLine($"{what}: exit {exit}\n{stderr}");
        AssertOneLineError(exit, stdout, stderr);
    }

    private static void AssertOneLineError(int exit, string stdout, string stderr)
    {
        exit.Should().BeOneOf([1, 2], "the command failed");
        // "error: ..." or, for a file's content, the compiler-style "FILE:LINE:COL: error: ...".
        var errors = stderr.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^(error:|\S+:\d+:\d+: error:)")).ToList();
        errors.Should().ContainSingle("one line says what is wrong:\n" + stderr);
        errors[0].Length.Should().BeGreaterThan("error: ".Length + 10);
        (stdout + stderr).Should().NotContain("   at ").And.NotContain("Unhandled exception", "no stack trace reaches the user");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>A theory that is skipped, saying why, where the CLI cannot be run in a mount namespace of its own.</summary>
public sealed class MountNamespaceTheoryAttribute : TheoryAttribute
{
    public MountNamespaceTheoryAttribute()
    {
        if (!Confined.Available) Skip = "mount namespaces are not available here (needs root, or user namespaces, and unshare from util-linux)";
    }
}
