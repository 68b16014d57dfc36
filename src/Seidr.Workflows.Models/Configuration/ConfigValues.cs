using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Seidr.Workflows.Models.Configuration;

/// <summary>
/// A bag of plain values read from configuration or from a workflow's YAML, with key names normalised
/// (case, '_' and '-' ignored: <c>max_tokens</c>, <c>MaxTokens</c> and <c>maxTokens</c> are the same key).
/// </summary>
internal sealed class ConfigValues
{
    private readonly Dictionary<string, (string Key, object? Value)> _values = new(StringComparer.Ordinal);

    public ConfigValues(string owner) => Owner = owner;

    public string Owner { get; }

    public static string Normalize(string key) => key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    public IEnumerable<string> OriginalKeys => _values.Values.Select(v => v.Key);

    public IEnumerable<(string Key, object? Value)> Entries => _values.Values;

    public void Set(string key, object? value) => _values[Normalize(key)] = (key, value);

    public void MergeFrom(IEnumerable<KeyValuePair<string, object?>> values)
    {
        foreach (var (k, v) in values) Set(k, v);
    }

    public static ConfigValues FromSection(string owner, IConfigurationSection section)
    {
        var values = new ConfigValues(owner);
        foreach (var child in section.GetChildren()) values.Set(child.Key, ToPlain(child));
        return values;
    }

    /// <summary>A configuration section as plain values: a string, a list (keys 0..n-1) or a dictionary.</summary>
    public static object? ToPlain(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0) return section.Value;
        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(ToPlain).ToList();
        return children.ToDictionary(c => c.Key, ToPlain);
    }

    public bool Has(string key) => _values.ContainsKey(Normalize(key));

    public object? Raw(string key) => _values.TryGetValue(Normalize(key), out var v) ? v.Value : null;

    private string KeyName(string key) => _values.TryGetValue(Normalize(key), out var v) ? v.Key : key;

    private ModelConfigurationException Error(string key, string message) => new(Owner, KeyName(key), message);

    public string? String(string key)
    {
        var raw = Raw(key);
        return raw switch
        {
            null => null,
            string s => s.Length == 0 ? null : s,
            IConvertible c when raw is not IDictionary => c.ToString(CultureInfo.InvariantCulture),
            _ => throw Error(key, $"expected a text value, got {Describe(raw)}"),
        };
    }

    public string RequiredString(string key, string why)
        => String(key) ?? throw Error(key, $"is required ({why})");

    public double? Double(string key, double? min = null, double? max = null)
    {
        var raw = Raw(key);
        if (raw is null || raw is string { Length: 0 }) return null;
        double d;
        try
        {
            d = raw switch
            {
                string s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
                IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw Error(key, $"expected a number, got {Describe(raw)}");
        }
        if (min is { } lo && d < lo || max is { } hi && d > hi)
            throw Error(key, $"must be between {min?.ToString(CultureInfo.InvariantCulture) ?? "-inf"} and {max?.ToString(CultureInfo.InvariantCulture) ?? "inf"}, got {d.ToString(CultureInfo.InvariantCulture)}");
        return d;
    }

    public long? Long(string key, long? min = null)
    {
        var d = Double(key);
        if (d is null) return null;
        if (Math.Abs(d.Value % 1) > 0) throw Error(key, $"expected a whole number, got {d.Value.ToString(CultureInfo.InvariantCulture)}");
        if (min is { } lo && d < lo) throw Error(key, $"must be at least {lo}, got {d.Value.ToString(CultureInfo.InvariantCulture)}");
        return (long)d.Value;
    }

    public int? Int(string key, int? min = null)
    {
        var l = Long(key, min);
        if (l is null) return null;
        if (l > int.MaxValue) throw Error(key, "is too large");
        return (int)l;
    }

    public bool? Bool(string key)
    {
        var raw = Raw(key);
        return raw switch
        {
            null => null,
            bool b => b,
            string s when bool.TryParse(s, out var b) => b,
            string s when s is "yes" or "on" => true,
            string s when s is "no" or "off" => false,
            _ => throw Error(key, $"expected true or false, got {Describe(raw)}"),
        };
    }

    public ImmutableArray<string>? StringList(string key)
    {
        var raw = Raw(key);
        return raw switch
        {
            null => null,
            string s => [s],
            IDictionary => throw Error(key, "expected a text or a list of texts, got a mapping"),
            IEnumerable e => e.Cast<object?>().Select(x => x?.ToString() ?? throw Error(key, "a list item is empty")).ToImmutableArray(),
            _ => [Convert.ToString(raw, CultureInfo.InvariantCulture)!],
        };
    }

    public ConfigValues? Nested(string key)
    {
        var raw = Raw(key);
        if (raw is null) return null;
        var nested = new ConfigValues(Owner);
        switch (raw)
        {
            case IDictionary<string, object?> d: nested.MergeFrom(d); break;
            case IReadOnlyDictionary<string, object?> rd: nested.MergeFrom(rd); break;
            case IDictionary d:
                foreach (DictionaryEntry e in d) nested.Set(Convert.ToString(e.Key, CultureInfo.InvariantCulture)!, e.Value);
                break;
            default: throw Error(key, $"expected a mapping, got {Describe(raw)}");
        }
        return nested;
    }

    public void RejectUnknown(IReadOnlyCollection<string> known, string where)
    {
        var normalized = known.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        foreach (var (k, _) in _values.Values)
        {
            if (!normalized.Contains(Normalize(k)) && Normalize(k) is not ("apikey"))
                throw new ModelConfigurationException(Owner, k, $"unknown setting in {where}; known settings: {string.Join(", ", known)}");
        }
    }

    private static string Describe(object? raw) => raw switch
    {
        null => "nothing",
        string s => $"'{s}'",
        IDictionary => "a mapping",
        IEnumerable => "a list",
        _ => $"'{Convert.ToString(raw, CultureInfo.InvariantCulture)}'",
    };
}
