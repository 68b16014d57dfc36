using System.Collections.Immutable;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>
/// The dual execution result of one problem: distinct programs (with how many samples each) against distinct
/// generated test cases (with how many times the test samples produced each), and what each program did on each
/// test: passed, or the class of what it did otherwise (its actual value, an error, a timeout).
/// </summary>
internal sealed record DualExecution
{
    /// <summary>Distinct program texts, in order of first appearance.</summary>
    public required ImmutableArray<string> Programs { get; init; }

    /// <summary>Samples per distinct program (its multiplicity in the pool).</summary>
    public required ImmutableArray<int> ProgramCounts { get; init; }

    /// <summary>Distinct test cases (their keys), in order of first appearance.</summary>
    public required ImmutableArray<string> Tests { get; init; }

    /// <summary>Occurrences of each test case among the test samples (after the per-sample limit).</summary>
    public required ImmutableArray<int> TestCounts { get; init; }

    /// <summary><c>Passed[p][t]</c>: program p passed test t.</summary>
    public required ImmutableArray<ImmutableArray<bool>> Passed { get; init; }

    /// <summary>
    /// <c>Outcomes[p][t]</c>: what program p did on the input of test t: <c>"="</c> when it passed (its value equals
    /// the expected one), <c>"≠" + repr(actual)</c> when an equality assert failed, else the status
    /// (<c>"failed"</c>, <c>"error:"</c> + exception type, <c>"timeout"</c>, ...).
    /// </summary>
    public required ImmutableArray<ImmutableArray<string>> Outcomes { get; init; }

    public int ProgramTotal => ProgramCounts.Sum();

    /// <summary>True when some program passed some test case.</summary>
    public bool AnyPassed => Passed.Any(row => row.Contains(true));

    /// <summary>
    /// Builds the matrix from a population: its programs (each a sample; equal texts are one program) with the
    /// per-test results of their execution, and its test-set candidates (each a test sample; a test case occurring
    /// in several counts several times). A program without a result for a test did not pass it.
    /// </summary>
    public static DualExecution From(Population population)
    {
        var programs = new List<string>();
        var programCounts = new List<int>();
        var results = new List<ImmutableArray<TestResult>>();
        var programIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in population.OfKind(CandidateKinds.Program))
        {
            if (programIndex.TryGetValue(p.Content, out var i)) { programCounts[i]++; continue; }
            programIndex[p.Content] = programs.Count;
            programs.Add(p.Content);
            programCounts.Add(1);
            results.Add(p.Results);
        }

        var tests = new List<string>();
        var testCounts = new List<int>();
        var testIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var set in population.OfKind(CandidateKinds.TestSet))
            foreach (var test in TestSets.Parse(set.Content))
            {
                var key = TestSets.Key(test);
                if (testIndex.TryGetValue(key, out var i)) { testCounts[i]++; continue; }
                testIndex[key] = tests.Count;
                tests.Add(key);
                testCounts.Add(1);
            }

        var passed = ImmutableArray.CreateBuilder<ImmutableArray<bool>>(programs.Count);
        var outcomes = ImmutableArray.CreateBuilder<ImmutableArray<string>>(programs.Count);
        foreach (var row in results)
        {
            var pass = new bool[tests.Count];
            var outcome = Enumerable.Repeat("missing", tests.Count).ToArray();
            foreach (var r in row)
                if (testIndex.TryGetValue(r.Test, out var t))
                {
                    pass[t] = r.Passed;
                    outcome[t] = OutcomeClass(r);
                }
            passed.Add([.. pass]);
            outcomes.Add([.. outcome]);
        }
        return new DualExecution
        {
            Programs = [.. programs],
            ProgramCounts = [.. programCounts],
            Tests = [.. tests],
            TestCounts = [.. testCounts],
            Passed = passed.MoveToImmutable(),
            Outcomes = outcomes.MoveToImmutable(),
        };
    }

    /// <summary>The class of a program's behaviour on one test's input (see <see cref="Outcomes"/>).</summary>
    public static string OutcomeClass(TestResult r) => r.Status switch
    {
        TestStatus.Passed => "=",
        TestStatus.Failed when r.Actual is not null => "≠" + r.Actual,
        TestStatus.Failed => "failed",
        TestStatus.Error => "error:" + ExceptionType(r.Message),
        _ => r.Status.ToString().ToLowerInvariant(),
    };

    /// <summary>The exception type named on the last line of a traceback ("ZeroDivisionError: ..."), if any.</summary>
    private static string ExceptionType(string? message)
    {
        if (string.IsNullOrEmpty(message)) return "";
        var last = message.TrimEnd().Split('\n')[^1];
        var colon = last.IndexOf(':');
        return (colon > 0 ? last[..colon] : last).Trim();
    }
}
