namespace Seidr.Workflows.Cli.Commands;

/// <summary>An exception as one line a user can act on: the innermost useful message, what it was about, no stack trace.</summary>
internal static class ErrorText
{
    public static string Of(Exception e)
    {
        // Wrappers (EF's "an exception has been raised that is likely due to a transient failure", aggregate and
        // invocation exceptions) say less than what they wrap.
        while (e.InnerException is { } inner && (e is AggregateException or System.Reflection.TargetInvocationException
               || e.GetType().Name is "RetryLimitExceededException" || e.Message.Contains("see the inner exception", StringComparison.OrdinalIgnoreCase)
               || e.Message.StartsWith("An exception has been raised", StringComparison.Ordinal)))
            e = inner;
        var message = e.Message.ReplaceLineEndings(" ").Trim();
        return e switch
        {
            UnauthorizedAccessException => $"permission denied: {message}",
            IOException io when (io.HResult & 0xFFFF) == 28 => $"the disk is full: {message}",
            _ => message,
        };
    }
}
