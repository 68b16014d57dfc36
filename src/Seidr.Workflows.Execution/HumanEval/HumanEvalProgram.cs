using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution.HumanEval;

/// <summary>Builds the program openai/human-eval runs for a completion.</summary>
public static class HumanEvalProgram
{
    /// <summary><c>prompt + completion + "\n" + test + "\n" + "check(entry_point)"</c>, exactly as the official harness.</summary>
    public static string Build(string prompt, string completion, string test, string entryPoint) =>
        prompt + completion + "\n" + test + "\n" + $"check({entryPoint})";

    /// <summary>A full program (prompt + completion) followed by a check test.</summary>
    public static string Build(string program, CheckTest test) =>
        program + "\n" + test.Code + "\n" + $"check({test.EntryPoint})";
}
