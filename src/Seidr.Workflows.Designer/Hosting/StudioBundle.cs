using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Seidr.Workflows.Designer;

/// <summary>
/// The unpacked npm package @elsa-workflows/elsa-studio-wasm, served byte for byte (its boot config carries integrity
/// hashes) with the MIME types the .NET WebAssembly runtime expects, and its precompressed <c>.br</c>/<c>.gz</c>
/// siblings when the browser accepts them.
/// </summary>
internal sealed class StudioBundle
{
    public const string EnvironmentVariable = "SEIDR_STUDIO_DIR";
    private static readonly FileExtensionContentTypeProvider Types = CreateTypes();

    public string Directory { get; }

    public StudioBundle(string directory) => Directory = Path.GetFullPath(directory);

    public static bool IsInstalled(string? directory) =>
        directory is not null && File.Exists(Path.Combine(directory, "_framework", "blazor.webassembly.js"));

    /// <summary>
    /// Where the bundle is: the given folder, else $SEIDR_STUDIO_DIR, else <c>src/Seidr.Workflows.Designer/wwwroot/studio</c>
    /// above the current directory or the application, else <c>wwwroot/studio</c> beside the application. Null if none has it.
    /// </summary>
    public static string? Locate(string? configured = null)
    {
        if (configured is not null) return IsInstalled(configured) ? Path.GetFullPath(configured) : null;
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env && IsInstalled(env)) return Path.GetFullPath(env);
        foreach (var start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "Seidr.Workflows.Designer", "wwwroot", "studio");
                if (IsInstalled(candidate)) return candidate;
            }
        }
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot", "studio");
        return IsInstalled(beside) ? beside : null;
    }

    private static FileExtensionContentTypeProvider CreateTypes()
    {
        var p = new FileExtensionContentTypeProvider();
        p.Mappings[".wasm"] = "application/wasm";
        p.Mappings[".dat"] = "application/octet-stream";
        p.Mappings[".dll"] = "application/octet-stream";
        p.Mappings[".webcil"] = "application/octet-stream";
        p.Mappings[".blat"] = "application/octet-stream";
        p.Mappings[".pdb"] = "application/octet-stream";
        p.Mappings[".js"] = "text/javascript";
        p.Mappings[".mjs"] = "text/javascript";
        p.Mappings[".json"] = "application/json";
        p.Mappings[".map"] = "application/json";
        p.Mappings[".webmanifest"] = "application/manifest+json";
        p.Mappings[".ttf"] = "font/ttf";
        p.Mappings[".woff"] = "font/woff";
        p.Mappings[".woff2"] = "font/woff2";
        return p;
    }

    public static string ContentTypeOf(string path) => Types.TryGetContentType(path, out var type) ? type : "application/octet-stream";

    /// <summary>The file under the bundle for a request path, or null (outside the bundle, hidden, missing).</summary>
    public string? Resolve(PathString requestPath)
    {
        var relative = (requestPath.Value ?? "").TrimStart('/');
        if (relative.Length == 0 || relative.Split('/').Any(s => s.Length == 0 || s.StartsWith('.'))) return null;
        var full = Path.GetFullPath(Path.Combine(Directory, relative));
        if (!full.StartsWith(Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        return File.Exists(full) ? full : null;
    }

    /// <summary>Serves the file, or its precompressed sibling with Content-Encoding. Returns false when the path is not in the bundle.</summary>
    public async Task<bool> TryServeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)) return false;
        var file = Resolve(context.Request.Path);
        if (file is null) return false;

        var response = context.Response;
        var contentType = ContentTypeOf(file);
        string? encoding = null;
        var served = file;
        if (!file.EndsWith(".br", StringComparison.Ordinal) && !file.EndsWith(".gz", StringComparison.Ordinal))
        {
            var accepts = AcceptedEncodings(context.Request.Headers.AcceptEncoding);
            if (accepts.Contains("br") && File.Exists(file + ".br")) (served, encoding) = (file + ".br", "br");
            else if (accepts.Contains("gzip") && File.Exists(file + ".gz")) (served, encoding) = (file + ".gz", "gzip");
            if (File.Exists(file + ".br") || File.Exists(file + ".gz")) response.Headers.Vary = HeaderNames.AcceptEncoding;
        }

        var info = new FileInfo(served);
        var etag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}{(encoding is null ? "" : "-" + encoding)}\"");
        response.Headers.ETag = etag.ToString();
        response.Headers.CacheControl = "no-cache";
        response.ContentType = contentType;
        if (encoding is not null) response.Headers.ContentEncoding = encoding;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Select(x => x.Trim()).Contains(etag.ToString())))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return true;
        }
        response.ContentLength = info.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return true;
        await response.SendFileAsync(served, context.RequestAborted);
        return true;
    }

    private static HashSet<string> AcceptedEncodings(StringValues header)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in header)
            foreach (var part in (value ?? "").Split(','))
            {
                var pieces = part.Split(';');
                var name = pieces[0].Trim();
                var q = pieces.Skip(1).Select(x => x.Trim()).FirstOrDefault(x => x.StartsWith("q=", StringComparison.Ordinal));
                if (q is not null && double.TryParse(q[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var qv) && qv <= 0) continue;
                if (name.Length > 0) set.Add(name);
            }
        return set;
    }
}
