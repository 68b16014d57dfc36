using System.Collections.Immutable;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;

namespace Seidr.Workflows.Serialization;

public enum WorkflowFormat { Yaml, Json }

/// <summary>A workflow file as read: the definition (null when it could not be read at all), where each part stands, and what was wrong.</summary>
public sealed record LoadedWorkflow(string Path, WorkflowFormat Format, WorkflowDefinition? Definition, SourceMap SourceMap, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    public WorkflowDefinition RequireDefinition() =>
        !HasErrors && Definition is not null ? Definition : throw new WorkflowException(Diagnostics);
}
