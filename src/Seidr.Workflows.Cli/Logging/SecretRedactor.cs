using System.Text.RegularExpressions;

namespace Seidr.Workflows.Cli.Logging;

/// <summary>
/// Replaces secrets with <c>***</c> in what is logged: the values of environment variables whose names say they hold
/// one (<c>*KEY*</c>, <c>*TOKEN*</c>, <c>*SECRET*</c>, <c>*PASSWORD*</c>) and passwords in connection strings. The model
/// layer never puts a key in a message; this is the second line, for messages that come from libraries.
/// </summary>
internal sealed partial class SecretRedactor
{
    private readonly string[] _secrets;

    public SecretRedactor(IEnumerable<string> secrets) =>
        // Short values would blank out ordinary words; keys and tokens are long.
        _secrets = secrets.Where(s => s.Length >= 8).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();

    /// <summary>Secrets from this process's environment.</summary>
    public static SecretRedactor FromEnvironment() => new(Environment.GetEnvironmentVariables().Keys.Cast<string>()
        .Where(name => SecretName().IsMatch(name))
        .Select(name => Environment.GetEnvironmentVariable(name) ?? ""));

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, "***", StringComparison.Ordinal);
        return ConnectionPassword().Replace(text, "$1***");
    }

    [GeneratedRegex("KEY|TOKEN|SECRET|PASSWORD|PASSWD", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"((?:^|;)\s*Password\s*=\s*)[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionPassword();
}
