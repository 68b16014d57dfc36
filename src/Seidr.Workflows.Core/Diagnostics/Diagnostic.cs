using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Diagnostics;

/// <summary>How bad a <see cref="Diagnostic"/> is.</summary>
public enum Severity
{
    /// <summary>The workflow cannot run until it is fixed.</summary>
    Error,

    /// <summary>The workflow runs, but likely not as meant.</summary>
    Warning,
}

/// <summary>A problem found in a workflow file, located by line and column and by the field's logical path.</summary>
/// <param name="File">The workflow file's path.</param>
/// <param name="Location">Line and column in the file.</param>
/// <param name="Path">The field's logical path (<c>activities[draft].inputs.samples</c>, see <see cref="SourceMap"/>); empty for the whole file.</param>
/// <param name="Message">What is wrong, and where it helps, what would be right.</param>
/// <param name="Severity">Whether the workflow can still run.</param>
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
    /// <summary>Every problem found.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}
