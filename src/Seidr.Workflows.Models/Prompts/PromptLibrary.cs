using System.Collections.Immutable;

namespace Seidr.Workflows.Models.Prompts;

/// <summary>
/// The prompt files under a folder. A file <c>humaneval/complete.yaml</c> is the prompt <c>humaneval/complete</c>
/// (the extension, and a <c>.prompt</c> before it, are dropped; '/' separates folders on every OS).
/// </summary>
public sealed class PromptLibrary
{
    private readonly ImmutableDictionary<string, PromptTemplate> _prompts;

    private PromptLibrary(string? directory, ImmutableDictionary<string, PromptTemplate> prompts)
    {
        Directory = directory;
        _prompts = prompts;
    }

    /// <summary>The folder the prompts were loaded from; null for a library built in memory.</summary>
    public string? Directory { get; }
    /// <summary>Prompt names in ordinal order, as error messages list them.</summary>
    public IEnumerable<string> Names => _prompts.Keys.Order(StringComparer.Ordinal);
    /// <summary>How many prompts the library holds.</summary>
    public int Count => _prompts.Count;

    /// <summary>Loads every <c>*.yaml</c>/<c>*.yml</c> file under <paramref name="directory"/>; a syntax error in any file throws.</summary>
    public static PromptLibrary Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full)) throw new DirectoryNotFoundException($"prompt folder '{full}' does not exist");
        var builder = ImmutableDictionary.CreateBuilder<string, PromptTemplate>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(full, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)))
        {
            var name = NameOf(Path.GetRelativePath(full, file));
            if (builder.ContainsKey(name)) throw new PromptFormatException(name, $"defined twice (second file: {file})");
            builder[name] = PromptTemplate.Load(name, file);
        }
        return new PromptLibrary(full, builder.ToImmutable());
    }

    /// <summary>A library of already-parsed templates (tests, embedded prompts).</summary>
    public static PromptLibrary From(IEnumerable<PromptTemplate> templates)
        => new(null, templates.ToImmutableDictionary(t => t.Name, StringComparer.Ordinal));

    internal static string NameOf(string relativePath)
    {
        var name = relativePath.Replace('\\', '/');
        name = name[..name.LastIndexOf('.')];
        if (name.EndsWith(".prompt", StringComparison.OrdinalIgnoreCase)) name = name[..^".prompt".Length];
        return name;
    }

    /// <summary>Whether a prompt of that name exists (a file ending such as <c>.yaml</c> is ignored).</summary>
    public bool Contains(string name) => _prompts.ContainsKey(Clean(name));

    /// <summary>The prompt of that name, if there is one (a file ending such as <c>.yaml</c> is ignored).</summary>
    public bool TryGet(string name, out PromptTemplate template) => _prompts.TryGetValue(Clean(name), out template!);

    /// <summary>The prompt named <paramref name="name"/>; throws <see cref="PromptNotFoundException"/> listing the known names.</summary>
    public PromptTemplate Get(string name)
    {
        if (TryGet(name, out var t)) return t;
        throw new PromptNotFoundException(name, $"no prompt '{name}' in {Directory ?? "the library"}; known prompts: {string.Join(", ", Names)}");
    }

    /// <summary>The prompt named <paramref name="name"/>, as <see cref="Get"/>.</summary>
    public PromptTemplate this[string name] => Get(name);

    /// <summary>Shortcut for <c>Get(name).Render(variables)</c>.</summary>
    public RenderedPrompt Render(string name, IReadOnlyDictionary<string, object?> variables) => Get(name).Render(variables);

    private static string Clean(string name)
    {
        name = name.Replace('\\', '/').Trim('/');
        foreach (var ext in new[] { ".prompt.yaml", ".prompt.yml", ".yaml", ".yml" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return name[..^ext.Length];
        return name;
    }
}
