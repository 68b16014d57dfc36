using System.Collections.Immutable;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;

namespace Seidr.Workflows.Serialization;

/// <summary>The two spellings of a workflow file.</summary>
public enum WorkflowFormat
{
    /// <summary>The short, hand-writable spelling (<c>.yaml</c>, <c>.yml</c>).</summary>
    Yaml,

    /// <summary>Elsa 3's workflow-definition JSON (<c>.json</c>), which Elsa Studio opens.</summary>
    Json,
}

/// <summary>A workflow file as read: the definition (null when it could not be read at all), where each part stands, and what was wrong.</summary>
/// <param name="Path">The file's path, as diagnostics name it.</param>
/// <param name="Format">The spelling it was read as.</param>
/// <param name="Definition">The workflow; null when the file could not be read or parsed at all.</param>
/// <param name="SourceMap">Where each part of the definition stands in the file, for the validator's diagnostics.</param>
/// <param name="Diagnostics">What the reader found wrong (the validator adds its own).</param>
public sealed record LoadedWorkflow(string Path, WorkflowFormat Format, WorkflowDefinition? Definition, SourceMap SourceMap, ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>Whether the reader found an error (warnings do not count).</summary>
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>The definition, or a <see cref="WorkflowException"/> with the reader's diagnostics when there are errors.</summary>
    public WorkflowDefinition RequireDefinition() =>
        !HasErrors && Definition is not null ? Definition : throw new WorkflowException(Diagnostics);
}
