using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// The programming languages a problem can be solved in (<c>problem.language</c>, set by the problem file, the
/// experiment's <c>language</c> or a <c>language</c> matrix axis) and what each stage needs to know about them.
/// The names are public: the runtime checks an experiment's <c>language</c> against the very names the stages accept.
/// </summary>
public static class Languages
{
    /// <summary>The names accepted in workflow and problem files.</summary>
    public static readonly IReadOnlyList<string> Known = ["python", "cpp"];

    /// <summary>The canonical name of a language (<c>c++</c> is <c>cpp</c>, <c>py</c> is <c>python</c>), or null when unknown.</summary>
    public static string? Normalize(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "python" or "py" or "python3" => "python",
        "cpp" or "c++" or "cxx" => "cpp",
        _ => null,
    };

    /// <summary>How the sandbox runs programs for <paramref name="problem"/>.</summary>
    internal static ProgramLanguage Of(Problem problem) => Normalize(problem.Language) switch
    {
        "cpp" => ProgramLanguage.Cpp,
        "python" => ProgramLanguage.Python,
        _ => throw new ArgumentException($"problem {problem.Id}: unknown language '{problem.Language}' (known: {string.Join(", ", Known)})"),
    };

    /// <summary>The language's name in prose (prompts).</summary>
    internal static string DisplayName(Problem problem) => Of(problem) == ProgramLanguage.Cpp ? "C++" : "Python";

    /// <summary>The fence tag models use for the language's code blocks.</summary>
    internal static string FenceTag(Problem problem) => Of(problem) == ProgramLanguage.Cpp ? "cpp" : "python";
}
