using System.Diagnostics;
using System.Globalization;

namespace Seidr.Workflows.Persistence.Benchmarks;

/// <summary>
/// What an id costs the store's writer: <see cref="Guid.CreateVersion7()"/> against its <see cref="Uuid7Source"/>,
/// single-threaded as the writer calls them, CPU and wall time per id, side by side per round.
/// </summary>
internal static class IdCost
{
    public static void Print(int count = 1_000_000, int rounds = 4)
    {
        var source = new Uuid7Source();
        Guid sink = default;
        for (int round = 0; round < rounds; round++)
        {
            var (bclCpu, bclWall) = Time(count, () => sink = Guid.CreateVersion7());
            var (ownCpu, ownWall) = Time(count, () => sink = source.Next());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: Guid.CreateVersion7 {bclCpu:0.000} µs CPU ({bclWall:0.000} wall) per id; Uuid7Source {ownCpu:0.000} µs CPU ({ownWall:0.000} wall); {bclCpu / ownCpu:0.0}x CPU"));
        }
        GC.KeepAlive(sink);
    }

    private static (double CpuMicros, double WallMicros) Time(int count, Action next)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) next();
        return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / count, wall.Elapsed.TotalMilliseconds * 1000 / count);
    }
}
