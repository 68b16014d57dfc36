using System.Collections.Immutable;

namespace Seidr.Workflows.Problems;

/// <summary>How a program for a problem is called and judged.</summary>
public enum ProblemShape
{
    /// <summary>A function completed from a prompt and judged by asserts or a <c>check(candidate)</c> program.</summary>
    Function,

    /// <summary>A whole program that reads standard input and writes standard output (PSB2, CodeContests).</summary>
    StdinStdout,
}

/// <summary>
/// One programming problem. <see cref="Visible"/> tests may be shown to stages;
/// <see cref="Hidden"/> tests are used only for final metrics and never rendered into a prompt.
/// </summary>
public sealed record Problem
{
    /// <summary>The problem's name, unique within its dataset (<c>HumanEval/0</c>); runs, caches and reports key on it.</summary>
    public required string Id { get; init; }
    /// <summary>The dataset the problem comes from (<c>humaneval</c>, <c>psb2</c>, a problem file's name); reports group by it.</summary>
    public required string Dataset { get; init; }

    /// <summary>The text a code model completes or reads (for HumanEval, the function signature and docstring).</summary>
    public required string Prompt { get; init; }

    /// <summary>A natural-language statement of the task, where the dataset has one apart from the prompt.</summary>
    public string? Description { get; init; }

    /// <summary>Whether a program is a function called by tests or a whole program fed standard input.</summary>
    public ProblemShape Shape { get; init; } = ProblemShape.Function;
    /// <summary>The language programs are written in: <c>python</c> or <c>cpp</c> (set by the problem file, the experiment, or a <c>language</c> matrix axis).</summary>
    public string Language { get; init; } = "python";

    /// <summary>Name of the function under test (function problems).</summary>
    public string? EntryPoint { get; init; }

    /// <summary>Tests stages may show to a model and run on drafts (the examples in the task statement).</summary>
    public ImmutableArray<TestSpec> Visible { get; init; } = [];
    /// <summary>Tests kept back for the final verdict and pass@k; never rendered into a prompt.</summary>
    public ImmutableArray<TestSpec> Hidden { get; init; } = [];

    /// <summary>The dataset's reference solution, where it has one: checks that the tests pass on a known-good program.</summary>
    public string? CanonicalSolution { get; init; }

    /// <summary>The problem's own time limit per test (CodeContests' <c>time_limit</c>); null: the stage's or judge's limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The problem's own memory limit in MiB (CodeContests' <c>memory_limit_bytes</c>); null: the stage's or judge's limit.</summary>
    public int? MemoryLimitMb { get; init; }

    /// <summary>A known final answer (GSM8K's number after <c>####</c>), compared with a program's output.</summary>
    public string? Answer { get; init; }

    /// <summary>Dataset-specific values (for example CodeT's test-generation prompt) made available to prompts.</summary>
    public ImmutableDictionary<string, string> Extra { get; init; } = ImmutableDictionary<string, string>.Empty;
}
