using System.CommandLine;
using System.Globalization;
using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Cli.Commands;

/// <summary><c>seidr exec FILE</c>: run one program in the sandbox and report what it did.</summary>
internal static class ExecCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The program (.py or .cpp)." };
        var lang = new Option<string?>("--lang") { Description = "python or cpp (default: from the file extension, else python)." };
        lang.AcceptOnlyFromAmong("python", "cpp");
        var stdin = new Option<string?>("--stdin") { Description = "File fed to the program's standard input." };
        var timeout = new Option<double>("--timeout") { Description = "Wall-clock limit in seconds.", DefaultValueFactory = _ => 10 };
        var memory = new Option<int>("--memory-mb") { Description = "Address-space limit in MiB.", DefaultValueFactory = _ => 1024 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: status, exitCode, stdout, stderr, wallMs." };
        var sandbox = new Option<string>("--sandbox") { Description = "auto (bubblewrap when it works), bubblewrap, rlimits.", DefaultValueFactory = _ => "auto" };
        sandbox.AcceptOnlyFromAmong("auto", "bubblewrap", "rlimits");
        var python = new Option<string>("--python") { Description = "Python interpreter: python3 or pypy3.", DefaultValueFactory = _ => "python3" };
        var command = new Command("exec", "Run one program in the sandbox (no network, read-only system, private temp dir, limits) and report status, exit code, output and time.")
        { file, lang, stdin, timeout, memory, json, sandbox, python };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path)) return Invalid($"{path}: file not found");
            var stdinPath = parse.GetValue(stdin);
            if (stdinPath is not null && !File.Exists(stdinPath)) return Invalid($"{stdinPath}: stdin file not found");
            var seconds = parse.GetValue(timeout);
            if (!(seconds > 0) || seconds > 86_400) return Invalid($"--timeout must be between 0 and 86400 seconds, got {seconds.ToString(CultureInfo.InvariantCulture)}");
            var memoryMb = parse.GetValue(memory);
            if (memoryMb < 16) return Invalid($"--memory-mb must be at least 16, got {memoryMb}");
            var language = parse.GetValue(lang) switch
            {
                "cpp" => ProgramLanguage.Cpp,
                "python" => ProgramLanguage.Python,
                _ => Path.GetExtension(path).ToLowerInvariant() is ".cpp" or ".cc" or ".cxx" or ".c++" ? ProgramLanguage.Cpp : ProgramLanguage.Python,
            };
            string source, input;
            try
            {
                source = await File.ReadAllTextAsync(path, ct);
                input = stdinPath is null ? "" : await File.ReadAllTextAsync(stdinPath, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Invalid($"cannot read input: {e.Message}");
            }

            try
            {
                await using var runner = await SandboxRunner.StartAsync(new RunnerOptions
                {
                    Sandbox = SandboxModeOption(parse.GetValue(sandbox)),
                    Python = parse.GetValue(python)!,
                    MaxParallelism = 1,
                    OnWarning = w => Console.Error.WriteLine(w),
                }, ct);
                var result = await runner.RunAsync(new RunRequest(language, source)
                {
                    Stdin = input,
                    Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromSeconds(seconds), MemoryMb = memoryMb },
                }, ct);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(ExecJson.Serialize(result));
                }
                else
                {
                    Console.Out.Write(result.Stdout);
                    Console.Error.Write(result.Stderr);
                    Console.Error.WriteLine($"[{ExecJson.StatusName(result.Status)}] exit code {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-"}, {result.WallMs.ToString("F1", CultureInfo.InvariantCulture)} ms{(result.Message is { } m ? ": " + m : "")}");
                }
                return ExitCodes.Ok;
            }
            catch (ExecutionSetupException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.RunFailed;
            }
        });
        return command;
    }

    internal static SandboxMode SandboxModeOption(string? value) => value switch
    {
        "bubblewrap" => SandboxMode.Bubblewrap,
        "rlimits" => SandboxMode.RlimitsOnly,
        _ => SandboxMode.Auto,
    };

    private static int Invalid(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return ExitCodes.InvalidInput;
    }
}
