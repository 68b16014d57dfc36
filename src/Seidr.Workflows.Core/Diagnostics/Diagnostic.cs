using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Diagnostics;

public enum Severity { Error, Warning }

/// <summary>A problem found in a workflow file, located by line and column and by the field's logical path.</summary>
public sealed record Diagnostic(string File, SourceLocation Location, string Path, string Message, Severity Severity = Severity.Error)
{
    /// <summary><c>file:line:column: error: message (at path)</c>, the form editors and CI logs link to.</summary>
    public override string ToString() =>
        $"{File}:{Location.Line}:{Location.Column}: {(Severity == Severity.Error ? "error" : "warning")}: {Message}" + (Path.Length > 0 ? $" (at {Path})" : "");
}

/// <summary>Thrown where a workflow cannot be used; carries every diagnostic found.</summary>
public sealed class WorkflowException(IReadOnlyList<Diagnostic> diagnostics)
    : Exception(string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString())))
{
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}
