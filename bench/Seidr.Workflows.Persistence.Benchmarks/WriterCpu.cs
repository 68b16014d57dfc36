namespace Seidr.Workflows.Persistence.Benchmarks;

/// <summary>The calling thread's CPU time in ticks (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>; 0 elsewhere).</summary>
internal static class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static long Now()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            return ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var t) == 0 ? t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100 : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return 0; }
    }
}

/// <summary>
/// The CPU time the store's writer thread spends writing, summed over its batches (through
/// <see cref="RunStoreWriterOptions.OnBatch"/>): the store's own cost, which the writer's wall-clock WriteTime
/// overstates on a busy machine. On SQLite a batch is written without yielding the thread, so this is all of it; on
/// PostgreSQL the network waits are not counted. Zero off Linux.
/// </summary>
internal sealed class WriterCpu
{
    private long _ticks;

    public TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public void Reset() => Interlocked.Exchange(ref _ticks, 0);

    public IDisposable Batch() => new Measure(this, ThreadCpu.Now(), Environment.CurrentManagedThreadId);

    private sealed class Measure(WriterCpu owner, long start, int thread) : IDisposable
    {
        public void Dispose()
        {
            // Counted only when the batch ended on the thread it started on (a thread's clock says nothing of another's).
            if (thread == Environment.CurrentManagedThreadId && start > 0 && ThreadCpu.Now() - start is var spent and > 0)
                Interlocked.Add(ref owner._ticks, spent);
        }
    }
}
