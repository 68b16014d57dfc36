namespace Seidr.Workflows.Problems;

/// <summary>
/// Verdict of one test on one program: the sandbox reports it and the engine's candidates carry it, so there is one enum.
/// It has no JSON names of its own: the run store writes the C# names, the worker protocol and the verdict cache
/// kebab-case (Execution's <c>TestStatusWireConverter</c>).
/// </summary>
public enum TestStatus
{
    /// <summary>The test passed.</summary>
    Passed,

    /// <summary>The program ran and gave a wrong answer (assertion failed, wrong output, check raised).</summary>
    Failed,

    /// <summary>The program or the test raised, did not compile, or its worker was lost.</summary>
    Error,

    /// <summary>Over the test's time limit.</summary>
    Timeout,

    /// <summary>Over the memory limit.</summary>
    Memory,

    /// <summary>Wrote more than the output limit.</summary>
    OutputLimit,
}
