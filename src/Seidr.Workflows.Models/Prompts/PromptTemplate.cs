using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Seidr.Workflows.Models.Prompts;

/// <summary>The messages of a rendered prompt.</summary>
public sealed record RenderedPrompt(string Name, IReadOnlyList<PromptMessage> Messages)
{
    /// <summary>Content of the last user message (the text a completion model or the replay pool is keyed by).</summary>
    public string UserText => Messages.LastOrDefault(m => m.Role == MessageRole.User)?.Content ?? "";
    public string? SystemText => Messages.FirstOrDefault(m => m.Role == MessageRole.System)?.Content;
}

/// <summary>A prompt file could not be parsed (YAML or Liquid syntax, unknown keys).</summary>
public sealed class PromptFormatException(string prompt, string message, Exception? inner = null)
    : ModelException($"prompt '{prompt}': {message}", inner)
{
    public string PromptName { get; } = prompt;
}

/// <summary>Rendering was asked without some of the prompt's required variables.</summary>
public sealed class PromptVariablesMissingException(string prompt, IReadOnlyList<string> missing)
    : ModelException($"prompt '{prompt}' is missing variable(s): {string.Join(", ", missing)}")
{
    public string PromptName { get; } = prompt;
    public IReadOnlyList<string> Missing { get; } = missing;
}

/// <summary>No prompt of that name in the library.</summary>
public sealed class PromptNotFoundException(string prompt, string message) : ModelException(message)
{
    public string PromptName { get; } = prompt;
}

/// <summary>
/// A prompt file: system/user (or a list of) messages written as Liquid templates (Fluid engine).
/// Output is never HTML-encoded and never trimmed: <c>{{ problem.prompt }}</c> renders the text byte for byte.
/// </summary>
public sealed class PromptTemplate
{
    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions BaseOptions = CreateOptions();
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    private readonly ImmutableArray<(MessageRole Role, IFluidTemplate Template)> _messages;

    private PromptTemplate(string name, string? description, string? sourcePath,
        ImmutableArray<(MessageRole, IFluidTemplate)> messages, ImmutableArray<string> required, ImmutableArray<string> optional,
        ImmutableDictionary<string, string> descriptions)
    {
        Name = name;
        Description = description;
        SourcePath = sourcePath;
        _messages = messages;
        RequiredVariables = required;
        OptionalVariables = optional;
        VariableDescriptions = descriptions;
    }

    public string Name { get; }
    public string? Description { get; }
    public string? SourcePath { get; }

    /// <summary>Variable paths (e.g. <c>problem.prompt</c>, <c>program</c>) that must be given to <c>Render</c>.</summary>
    public ImmutableArray<string> RequiredVariables { get; }

    /// <summary>Variables the template uses but that may be left out (declared with <c>required: false</c>).</summary>
    public ImmutableArray<string> OptionalVariables { get; }

    public ImmutableDictionary<string, string> VariableDescriptions { get; }

    public IReadOnlyList<MessageRole> Roles => _messages.Select(m => m.Role).ToArray();

    /// <summary>Names of the required variables not present in <paramref name="variables"/> (for validators).</summary>
    public IReadOnlyList<string> FindMissing(IReadOnlyDictionary<string, object?> variables)
    {
        var model = VariableModel.Build(variables);
        return RequiredVariables.Where(path => !VariableModel.Has(model, path)).ToArray();
    }

    /// <summary>Renders every message. Throws <see cref="PromptVariablesMissingException"/> listing every missing variable.</summary>
    public RenderedPrompt Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var model = VariableModel.Build(variables);
        var missing = RequiredVariables.Where(path => !VariableModel.Has(model, path)).ToList();
        if (missing.Count > 0) throw new PromptVariablesMissingException(Name, missing);

        var undefined = new List<string>();
        var options = CreateOptions();
        options.Undefined = name =>
        {
            lock (undefined) undefined.Add(name);
            return ValueTask.FromResult<FluidValue>(NilValue.Instance);
        };
        var context = new TemplateContext(options);
        foreach (var (key, value) in model) context.SetValue(key, value);

        var messages = new List<PromptMessage>(_messages.Length);
        foreach (var (role, template) in _messages)
            messages.Add(new PromptMessage(role, template.Render(context, NullEncoder.Default)));

        var optional = OptionalVariables.Select(Root).ToHashSet(StringComparer.Ordinal);
        var unexpected = undefined.Where(u => !optional.Contains(Root(u)) && !OptionalVariables.Contains(u)).Distinct().ToList();
        if (unexpected.Count > 0) throw new PromptVariablesMissingException(Name, unexpected);
        return new RenderedPrompt(Name, messages);
    }

    /// <summary>Renders with variables given as pairs: <c>Render(("problem.prompt", text), ("program", code))</c>.</summary>
    public RenderedPrompt Render(params (string Name, object? Value)[] variables)
        => Render(variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    /// <summary>Parses a prompt file's YAML text.</summary>
    public static PromptTemplate Parse(string name, string yaml, string? sourcePath = null)
    {
        PromptFileModel file;
        try
        {
            file = Yaml.Deserialize<PromptFileModel?>(yaml) ?? throw new PromptFormatException(name, "the file is empty");
        }
        catch (YamlException e)
        {
            throw new PromptFormatException(name, $"invalid YAML{(sourcePath is null ? "" : $" in {sourcePath}")}: {e.Message}", e);
        }

        if (file.TemplateFormat is { } format && !string.Equals(format, "liquid", StringComparison.OrdinalIgnoreCase))
            throw new PromptFormatException(name, $"template_format '{format}' is not supported (only liquid)");

        var parts = new List<(MessageRole Role, string Text)>();
        if (file.System is not null) parts.Add((MessageRole.System, file.System));
        foreach (var m in file.Messages ?? [])
        {
            if (!Enum.TryParse<MessageRole>(m.Role, ignoreCase: true, out var role))
                throw new PromptFormatException(name, $"unknown message role '{m.Role}' (system, user or assistant)");
            parts.Add((role, m.Content ?? throw new PromptFormatException(name, $"a '{m.Role}' message has no content")));
        }
        if (file.User is not null) parts.Add((MessageRole.User, file.User));
        if (!parts.Any(p => p.Role == MessageRole.User))
            throw new PromptFormatException(name, "a prompt needs a user part ('user:' or a message with role user)");

        var templates = ImmutableArray.CreateBuilder<(MessageRole, IFluidTemplate)>();
        foreach (var (role, text) in parts)
        {
            if (!Parser.TryParse(text, out var template, out var error))
                throw new PromptFormatException(name, $"Liquid error in the {role.ToString().ToLowerInvariant()} part: {error}");
            templates.Add((role, template));
        }

        var used = TemplateVariables.Collect(templates.Select(t => t.Item2));
        var optional = new List<string>();
        var descriptions = ImmutableDictionary.CreateBuilder<string, string>();
        var declaredRequired = new List<string>();
        foreach (var (varName, spec) in file.Variables ?? [])
        {
            switch (spec)
            {
                case null: declaredRequired.Add(varName); break;
                case string s: declaredRequired.Add(varName); descriptions[varName] = s; break;
                case IDictionary d:
                    var isRequired = true;
                    foreach (DictionaryEntry e in d)
                    {
                        var key = e.Key?.ToString();
                        if (key == "description") descriptions[varName] = e.Value?.ToString() ?? "";
                        else if (key == "required") isRequired = !string.Equals(e.Value?.ToString(), "false", StringComparison.OrdinalIgnoreCase);
                        else throw new PromptFormatException(name, $"variable '{varName}': unknown key '{key}' (description, required)");
                    }
                    (isRequired ? declaredRequired : optional).Add(varName);
                    break;
                default: throw new PromptFormatException(name, $"variable '{varName}': expected a description or a mapping");
            }
        }

        bool IsOptional(string path) => optional.Any(o => path == o || path.StartsWith(o + ".", StringComparison.Ordinal));
        var required = used.Where(u => !IsOptional(u)).Concat(declaredRequired).Distinct().Order(StringComparer.Ordinal).ToImmutableArray();
        // Drop a path when a longer required path covers it (problem is implied by problem.prompt).
        required = required.Where(r => !required.Any(o => o.StartsWith(r + ".", StringComparison.Ordinal))).ToImmutableArray();
        return new PromptTemplate(name, file.Description, sourcePath, templates.ToImmutable(), required, [.. optional], descriptions.ToImmutable());
    }

    /// <summary>Loads one prompt file; the name is the given one.</summary>
    public static PromptTemplate Load(string name, string path) => Parse(name, File.ReadAllText(path), path);

    private static string Root(string path) => path.Split('.', 2)[0];

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            MemberAccessStrategy = UnsafeMemberAccessStrategy.Instance,
        };
        return options;
    }

    private sealed class PromptFileModel
    {
        public string? Description { get; set; }
        public string? TemplateFormat { get; set; }
        public Dictionary<string, object?>? Variables { get; set; }
        public string? System { get; set; }
        public string? User { get; set; }
        public List<MessageModel>? Messages { get; set; }
    }

    private sealed class MessageModel
    {
        public string Role { get; set; } = "";
        public string? Content { get; set; }
    }
}

/// <summary>Variables as Fluid sees them: dotted keys expanded into nested dictionaries.</summary>
internal static class VariableModel
{
    public static Dictionary<string, object?> Build(IReadOnlyDictionary<string, object?> variables)
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in variables.OrderBy(k => k.Key.Count(c => c == '.')))
        {
            var parts = key.Split('.');
            var node = root;
            for (int i = 0; i < parts.Length - 1; i++)
            {
                if (node.TryGetValue(parts[i], out var existing) && existing is Dictionary<string, object?> d) { node = d; continue; }
                var next = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (existing is not null) foreach (var (k, v) in Members(existing)) next[k] = v;
                node[parts[i]] = next;
                node = next;
            }
            node[parts[^1]] = Normalize(value);
        }
        return root;
    }

    private static object? Normalize(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Normalize(kv.Value), StringComparer.Ordinal),
        _ => value,
    };

    private static IEnumerable<KeyValuePair<string, object?>> Members(object value)
    {
        switch (value)
        {
            case IDictionary<string, object?> d: return d;
            case IReadOnlyDictionary<string, object?> rd: return rd;
            case string or ValueType: return [];
            default:
                return value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetIndexParameters().Length == 0)
                    .Select(p => new KeyValuePair<string, object?>(p.Name, p.GetValue(value)));
        }
    }

    /// <summary>Whether <paramref name="path"/> resolves to a non-null value.</summary>
    public static bool Has(Dictionary<string, object?> root, string path)
    {
        object? node = root;
        foreach (var part in path.Split('.'))
        {
            switch (node)
            {
                case IDictionary<string, object?> d:
                    if (!d.TryGetValue(part, out node)) return false;
                    break;
                case IReadOnlyDictionary<string, object?> rd:
                    if (!rd.TryGetValue(part, out node)) return false;
                    break;
                case IDictionary nd:
                    if (!nd.Contains(part)) return false;
                    node = nd[part];
                    break;
                case null or string or ValueType: return false;
                default:
                    var prop = node.GetType().GetProperty(part, BindingFlags.Public | BindingFlags.Instance);
                    if (prop is null) return false;
                    node = prop.GetValue(node);
                    break;
            }
        }
        return node is not null;
    }
}

/// <summary>Finds the variable paths a Liquid template reads, by walking Fluid's syntax tree.</summary>
internal static class TemplateVariables
{
    private static readonly HashSet<string> BuiltIns = ["forloop", "tablerowloop", "empty", "blank", "nil", "null", "true", "false"];

    public static IReadOnlyList<string> Collect(IEnumerable<IFluidTemplate> templates)
    {
        var paths = new List<string>();
        var locals = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var t in templates) Walk(t, paths, locals, seen);
        return paths.Where(p => !locals.Contains(p.Split('.')[0]) && !BuiltIns.Contains(p.Split('.')[0]))
            .Distinct().ToList();
    }

    private static void Walk(object? node, List<string> paths, HashSet<string> locals, HashSet<object> seen)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || !seen.Add(node)) return;
        switch (node)
        {
            case MemberExpression member:
                var names = new List<string>();
                foreach (var segment in member.Segments)
                {
                    if (segment is IdentifierSegment id) names.Add(id.Identifier);
                    else { Walk(segment, paths, locals, seen); break; }
                }
                if (names.Count > 0) paths.Add(string.Join('.', names));
                return;
            case ForStatement f: locals.Add(f.Identifier); break;
            case AssignStatement a: locals.Add(a.Identifier); break;
            case CaptureStatement c: locals.Add(c.Identifier); break;
        }

        if (node is IEnumerable enumerable && node is not IFluidTemplate)
        {
            foreach (var item in enumerable) Walk(item, paths, locals, seen);
            return;
        }
        var type = node.GetType();
        if (type.Namespace is null || !type.Namespace.StartsWith("Fluid", StringComparison.Ordinal)) return;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            var pt = p.PropertyType;
            if (pt.IsPrimitive || pt == typeof(string) || pt.IsEnum) continue;
            object? value;
            try { value = p.GetValue(node); } catch { continue; }
            Walk(value, paths, locals, seen);
        }
    }
}
