using System.Security.Cryptography;
using System.Text;

namespace Seidr.Workflows.Execution.Worker;

/// <summary>
/// The Python worker package (<c>Worker/seidr_worker/*.py</c>), embedded in this assembly and extracted once per
/// runner into its private directory. One artefact: the files travel with the assembly, no install step.
/// </summary>
internal static class WorkerPackage
{
    /// <summary>The package's folder name; the worker is started as <c>python -s -B DIR/seidr_worker/__main__.py</c>.</summary>
    public const string Name = "seidr_worker";

    private const string ResourcePrefix = "Seidr.Workflows.Execution.seidr_worker.";

    /// <summary>The entry point inside a directory holding the extracted package.</summary>
    public static string EntryPoint(string workerDir) => $"{workerDir}/{Name}/__main__.py";

    // File name -> resource name, in ordinal order (the hash below depends on a stable order).
    private static readonly (string File, string Resource)[] Files = typeof(WorkerPackage).Assembly.GetManifestResourceNames()
        .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(r => (r[ResourcePrefix.Length..], r))
        .OrderBy(f => f.Item1, StringComparer.Ordinal)
        .ToArray();

    /// <summary>Writes the package into <paramref name="workerDir"/>/seidr_worker (world-readable: the worker may run under another uid).</summary>
    public static async Task ExtractAsync(string workerDir, CancellationToken ct)
    {
        if (!Files.Any(f => f.File == "__main__.py"))
            throw new InvalidOperationException("the worker package is not embedded in this assembly (seidr_worker/__main__.py missing)");
        var dir = Directory.CreateDirectory(Path.Combine(workerDir, Name)).FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        foreach (var (file, resource) in Files)
        {
            await using var res = Open(resource);
            var path = Path.Combine(dir, file);
            await using (var output = File.Create(path))
                await res.CopyToAsync(output, ct).ConfigureAwait(false);
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        }
    }

    /// <summary>SHA-256 over every file of the package (names and contents, length-prefixed): part of each verdict's key.</summary>
    public static string Hash()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (file, resource) in Files)
        {
            using var res = Open(resource);
            using var buffer = new MemoryStream();
            res.CopyTo(buffer);
            var name = Encoding.UTF8.GetBytes(file);
            h.AppendData(BitConverter.GetBytes(name.Length));
            h.AppendData(name);
            h.AppendData(BitConverter.GetBytes(buffer.Length));
            h.AppendData(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    private static Stream Open(string resource) =>
        typeof(WorkerPackage).Assembly.GetManifestResourceStream(resource)
        ?? throw new InvalidOperationException($"worker resource {resource} missing");
}
