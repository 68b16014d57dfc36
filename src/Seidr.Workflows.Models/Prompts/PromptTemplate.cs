using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HandlebarsDotNet;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Seidr.Workflows.Models.Prompts;

/// <summary>The messages of a rendered prompt.</summary>
/// <param name="Name">The prompt's name, recorded with the call.</param>
/// <param name="Messages">The messages to send, in order.</param>
public sealed record RenderedPrompt(string Name, IReadOnlyList<PromptMessage> Messages)
{
    /// <summary>Content of the last user message (the text a completion model or the replay pool is keyed by).</summary>
    public string UserText => Messages.LastOrDefault(m => m.Role == MessageRole.User)?.Content ?? "";
    /// <summary>Content of the first system message, or null when the prompt has none.</summary>
    public string? SystemText => Messages.FirstOrDefault(m => m.Role == MessageRole.System)?.Content;
}

/// <summary>A prompt file could not be parsed (YAML or Handlebars syntax, unknown keys).</summary>
/// <param name="prompt">The prompt's name.</param>
/// <param name="message">What is wrong in the file.</param>
/// <param name="inner">The parser's exception, if any.</param>
public sealed class PromptFormatException(string prompt, string message, Exception? inner = null)
    : ModelException($"prompt '{prompt}': {message}", inner)
{
    /// <summary>The prompt whose file is malformed.</summary>
    public string PromptName { get; } = prompt;
}

/// <summary>Rendering was asked without some of the prompt's required variables.</summary>
/// <param name="prompt">The prompt's name.</param>
/// <param name="missing">The required variables that were not given.</param>
public sealed class PromptVariablesMissingException(string prompt, IReadOnlyList<string> missing)
    : ModelException($"prompt '{prompt}' is missing variable(s): {string.Join(", ", missing)}")
{
    /// <summary>The prompt that could not be rendered.</summary>
    public string PromptName { get; } = prompt;
    /// <summary>The required variables that were not given, so the message can name them all at once.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;
}

/// <summary>No prompt of that name in the library.</summary>
/// <param name="prompt">The name asked for.</param>
/// <param name="message">The error, listing the known names.</param>
public sealed class PromptNotFoundException(string prompt, string message) : ModelException(message)
{
    /// <summary>The name that was asked for.</summary>
    public string PromptName { get; } = prompt;
}

/// <summary>
/// A prompt file: system/user (or a list of) messages written as Handlebars templates (Handlebars.Net, the engine
/// Semantic Kernel uses for its Handlebars prompts). Output is never HTML-encoded and never trimmed:
/// <c>{{problem.prompt}}</c> renders the text byte for byte.
/// </summary>
public sealed class PromptTemplate
{
    private static readonly IHandlebars Engine = Handlebars.Create(new HandlebarsConfiguration
    {
        NoEscape = true,
        ThrowOnUnresolvedBindingExpression = true,
    });
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    private readonly ImmutableArray<(MessageRole Role, HandlebarsTemplate<object, object> Template)> _messages;

    private PromptTemplate(string name, string? description, string? sourcePath,
        ImmutableArray<(MessageRole, HandlebarsTemplate<object, object>)> messages, ImmutableArray<string> required, ImmutableArray<string> optional,
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

    /// <summary>The prompt's name: its path under the prompt folder without the file ending; workflows refer to it.</summary>
    public string Name { get; }
    /// <summary>What the prompt is for, from the file's <c>description:</c>.</summary>
    public string? Description { get; }
    /// <summary>The file the prompt was read from; null for one built in memory.</summary>
    public string? SourcePath { get; }

    /// <summary>Variable paths (e.g. <c>problem.prompt</c>, <c>program</c>) that must be given to <c>Render</c>.</summary>
    public ImmutableArray<string> RequiredVariables { get; }

    /// <summary>Variables the template uses but that may be left out (declared with <c>required: false</c>).</summary>
    public ImmutableArray<string> OptionalVariables { get; }

    /// <summary>What each variable holds, as the prompt file describes it.</summary>
    public ImmutableDictionary<string, string> VariableDescriptions { get; }

    /// <summary>The roles of the prompt's messages in order (system, user, ...).</summary>
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
        foreach (var optional in OptionalVariables) VariableModel.EnsureSlot(model, optional);

        var messages = new List<PromptMessage>(_messages.Length);
        foreach (var (role, template) in _messages)
        {
            try
            {
                messages.Add(new PromptMessage(role, template(model)));
            }
            catch (HandlebarsDotNet.Compiler.HandlebarsUndefinedBindingException e)
            {
                throw new PromptVariablesMissingException(Name, [e.Path ?? e.Message]);
            }
        }
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

        if (file.TemplateFormat is { } format && !string.Equals(format, "handlebars", StringComparison.OrdinalIgnoreCase))
            throw new PromptFormatException(name, $"template_format '{format}' is not supported (only handlebars)");

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

        var templates = ImmutableArray.CreateBuilder<(MessageRole, HandlebarsTemplate<object, object>)>();
        var used = new List<string>();
        foreach (var (role, text) in parts)
        {
            try
            {
                used.AddRange(TemplateVariables.Collect(text));
                templates.Add((role, Engine.Compile(text)));
            }
            catch (Exception e) when (e is HandlebarsException or FormatException)
            {
                throw new PromptFormatException(name, $"template error in the {role.ToString().ToLowerInvariant()} part: {e.Message}", e);
            }
        }

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

/// <summary>
/// Variables as the template sees them: dotted keys expanded into nested dictionaries, objects turned into
/// dictionaries of their public properties (names case-insensitive, with snake_case aliases: a record's
/// <c>EntryPoint</c> is <c>problem.entry_point</c>), sequences into lists.
/// </summary>
internal static class VariableModel
{
    private const int MaxDepth = 8;

    public static Dictionary<string, object?> Build(IReadOnlyDictionary<string, object?> variables)
    {
        var root = NewDict();
        foreach (var (key, value) in variables.OrderBy(k => k.Key.Count(c => c == '.')))
        {
            var parts = key.Split('.');
            var node = root;
            for (int i = 0; i < parts.Length - 1; i++)
            {
                if (node.TryGetValue(parts[i], out var existing) && existing is Dictionary<string, object?> d) { node = d; continue; }
                var next = NewDict();
                node[parts[i]] = next;
                node = next;
            }
            node[parts[^1]] = Plain(value, 0);
        }
        return root;
    }

    private static Dictionary<string, object?> NewDict() => new(StringComparer.OrdinalIgnoreCase);

    private static object? Plain(object? value, int depth)
    {
        switch (value)
        {
            case null: return null;
            case string or bool or char or decimal or DateTime or DateTimeOffset or TimeSpan or Guid: return value;
            case Enum e: return e.ToString();
            case IFormattable when value.GetType().IsPrimitive: return value;
        }
        if (depth >= MaxDepth) return value.ToString();
        switch (value)
        {
            case IDictionary d:
                var dict = NewDict();
                foreach (DictionaryEntry e in d) AddWithAlias(dict, Convert.ToString(e.Key, CultureInfo.InvariantCulture)!, Plain(e.Value, depth + 1));
                return dict;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                var pd = NewDict();
                foreach (var (k, v) in pairs) AddWithAlias(pd, k, Plain(v, depth + 1));
                return pd;
            case IEnumerable<KeyValuePair<string, string>> stringPairs:
                var sd = NewDict();
                foreach (var (k, v) in stringPairs) AddWithAlias(sd, k, v);
                return sd;
            case IEnumerable seq:
                return seq.Cast<object?>().Select(x => Plain(x, depth + 1)).ToList();
        }
        var obj = NewDict();
        foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            object? v;
            try { v = p.GetValue(value); } catch (TargetInvocationException) { continue; }
            AddWithAlias(obj, p.Name, Plain(v, depth + 1));
        }
        return obj;
    }

    private static void AddWithAlias(Dictionary<string, object?> dict, string key, object? value)
    {
        dict[key] = value;
        var snake = SnakeCase.From(key);
        if (!dict.ContainsKey(snake)) dict[snake] = value;
    }

    /// <summary>Whether <paramref name="path"/> resolves to a non-null value.</summary>
    public static bool Has(Dictionary<string, object?> root, string path)
    {
        object? node = root;
        foreach (var part in path.Split('.'))
        {
            if (node is not Dictionary<string, object?> d || !d.TryGetValue(part, out node)) return false;
        }
        return node is not null;
    }

    /// <summary>Makes an optional path resolvable (as null) so that <c>{{#if x}}</c> sees "false", not "undefined".</summary>
    public static void EnsureSlot(Dictionary<string, object?> root, string path)
    {
        var parts = path.Split('.');
        var node = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (!node.TryGetValue(parts[i], out var next) || next is null) node[parts[i]] = next = NewDict();
            if (next is not Dictionary<string, object?> d) return;
            node = d;
        }
        node.TryAdd(parts[^1], null);
    }
}

/// <summary>
/// Finds the variable paths a Handlebars template reads from the root context: plain tags (<c>{{a.b}}</c>), helper and
/// block arguments (<c>{{#if x}}</c>, <c>{{#each items}}</c>). Inside <c>each</c>/<c>with</c> blocks only
/// <c>@root.</c> and <c>../</c> paths count (others are relative to the item).
/// </summary>
internal static partial class TemplateVariables
{
    private static readonly HashSet<string> Helpers = ["if", "unless", "each", "with", "lookup", "log", "else"];

    public static IReadOnlyList<string> Collect(string template)
    {
        var text = Comment().Replace(template, "");
        var paths = new List<string>();
        var scopes = new Stack<bool>();
        foreach (Match m in Tag().Matches(text))
        {
            var body = m.Groups["body"].Value.Trim();
            if (body.Length == 0 || body[0] is '!' or '>') continue;
            int depth = scopes.Count(s => s);
            if (body[0] == '/')
            {
                if (scopes.Count > 0) scopes.Pop();
                continue;
            }
            if (body == "else" || body == "^") continue;
            var tokens = Tokens().Matches(body).Select(t => t.Value).ToList();
            if (body[0] is '#' or '^')
            {
                var name = tokens[0][1..];
                if (Helpers.Contains(name))
                {
                    Add(paths, tokens.Skip(1), depth);
                    scopes.Push(name is "each" or "with");
                }
                else
                {
                    // A section on a path ({{#items}}...{{/items}}) reads the path and then iterates or enters it.
                    Add(paths, [name], depth);
                    Add(paths, tokens.Skip(1), depth);
                    scopes.Push(true);
                }
                continue;
            }
            if (tokens[0] == "else") { Add(paths, tokens.Skip(2), depth); continue; }
            if (tokens.Count == 1) Add(paths, tokens, depth);
            else Add(paths, tokens.Skip(1), depth);
        }
        return paths.Distinct().ToList();
    }

    private static void Add(List<string> paths, IEnumerable<string> tokens, int depth)
    {
        foreach (var raw in tokens)
        {
            var t = raw.Trim('(', ')');
            if (t.Contains('=')) t = t[(t.IndexOf('=') + 1)..];
            if (t.Length == 0 || t[0] is '"' or '\'' or '|' || t == "as" || t is "true" or "false" or "null" or "undefined"
                || double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || Helpers.Contains(t))
                continue;
            bool anchored = false;
            if (t.StartsWith("@root.", StringComparison.Ordinal)) { t = t[6..]; anchored = true; }
            else if (t[0] == '@') continue;
            int ups = 0;
            while (t.StartsWith("../", StringComparison.Ordinal)) { t = t[3..]; ups++; }
            if (ups > 0) anchored = ups >= depth;
            if (t.StartsWith("./", StringComparison.Ordinal)) t = t[2..];
            if (t == "this" || t == ".") continue;
            if (t.StartsWith("this.", StringComparison.Ordinal) || t.StartsWith("this/", StringComparison.Ordinal)) t = t[5..];
            if (depth > 0 && !anchored) continue;
            t = t.Replace('/', '.').Replace("[", "").Replace("]", "");
            if (t.Length > 0) paths.Add(t);
        }
    }

    [GeneratedRegex(@"\{\{!--.*?--\}\}|\{\{![^}]*\}\}", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"(?<!\\)\{\{\{?~?(?<body>.*?)~?\}?\}\}", RegexOptions.Singleline)]
    private static partial Regex Tag();

    [GeneratedRegex(@"""[^""]*""|'[^']*'|\S+")]
    private static partial Regex Tokens();
}
