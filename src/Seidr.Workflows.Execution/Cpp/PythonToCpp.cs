using System.Globalization;
using System.Text;

namespace Seidr.Workflows.Execution.Cpp;

/// <summary>
/// Translates the Python test expressions of function problems (the sides of <c>assert call(...) == value</c>, and
/// plain <c>assert condition</c>) into C++ expressions, so one set of tests judges Python and C++ programs alike
/// (SEIDR translated HumanEval's tests per problem for its C++ runs). Literals map to C++ literals and brace lists
/// (lists, tuples and sets to <c>{...}</c>, dicts to <c>{{k, v}, ...}</c>, strings to string literals, True/False to
/// true/false), and the test's other parts are kept: calls, arithmetic, comparisons, <c>and</c>/<c>or</c>/<c>not</c>,
/// <c>abs</c>. Anything else (comprehensions, methods, slices, builtins such as <c>len</c>, <c>None</c>, <c>//</c>,
/// <c>**</c>) is refused with the reason, so such a test gets an error verdict that names it instead of a wrong one.
/// </summary>
public static class PythonToCpp
{
    /// <summary>Python names with no one-to-one C++ counterpart: a test using one is not translated.</summary>
    private static readonly HashSet<string> Refused = new(StringComparer.Ordinal)
    {
        "None", "for", "in", "is", "lambda", "if", "else", "len", "sorted", "set", "list", "tuple", "dict", "str", "int", "float",
        "round", "isinstance", "type", "sum", "max", "min", "range", "all", "any", "print", "map", "filter", "zip", "enumerate",
        "reversed", "bool", "chr", "ord", "math", "import", "from", "as", "not in",
    };

    /// <summary>The C++ expression for a Python expression, or null with the reason in <paramref name="error"/>.</summary>
    public static string? Expression(string python, string? entryPoint, out string? error)
    {
        try
        {
            var tokens = Tokenize(python);
            var pos = 0;
            var text = Sequence(tokens, ref pos, null, entryPoint);
            if (pos != tokens.Count) throw new NotTranslatable($"unexpected '{tokens[pos].Text}'");
            error = null;
            return text;
        }
        catch (NotTranslatable e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>
    /// An assert statement split into its condition's sides: (left, right) for <c>assert left == right</c>, (condition,
    /// null) otherwise; the assert's message (<c>, "msg"</c>) is dropped. Null when the text is not an assert.
    /// </summary>
    public static (string Left, string? Right)? SplitAssert(string statement)
    {
        var code = statement.Trim();
        if (!code.StartsWith("assert", StringComparison.Ordinal) || code.Length == 6 || !(char.IsWhiteSpace(code[6]) || code[6] == '(')) return null;
        code = code[6..].Trim();
        var comma = TopLevel(code, ",");
        if (comma >= 0) code = code[..comma].Trim();
        var eq = TopLevel(code, "==");
        if (eq < 0) return (code, null);
        return (code[..eq].Trim(), code[(eq + 2)..].Trim());
    }

    /// <summary>Index of the first <paramref name="op"/> outside brackets and strings, or -1.</summary>
    private static int TopLevel(string code, string op)
    {
        int depth = 0;
        char quote = '\0';
        for (int i = 0; i < code.Length; i++)
        {
            var c = code[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c is '\'' or '"') { quote = c; continue; }
            if (c is '(' or '[' or '{') { depth++; continue; }
            if (c is ')' or ']' or '}') { depth--; continue; }
            if (depth != 0 || string.CompareOrdinal(code, i, op, 0, op.Length) != 0) continue;
            if (op == "==" && ((i > 0 && code[i - 1] is '=' or '!' or '<' or '>') || (i + 2 < code.Length && code[i + 2] == '='))) continue;
            return i;
        }
        return -1;
    }

    private sealed class NotTranslatable(string message) : Exception(message);

    private enum Kind { Name, Number, String, Op, Open, Close, Comma, Colon }

    private sealed record Token(Kind Kind, string Text);

    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c) || c == '\\') { i++; continue; }
            if (c == '#') break;
            if (char.IsLetter(c) || c == '_')
            {
                int j = i;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_')) j++;
                var name = s[i..j];
                if (j < s.Length && (s[j] is '\'' or '"') && name.ToLowerInvariant() is "f" or "r" or "b" or "rb" or "br" or "fr" or "rf" or "u")
                    throw new NotTranslatable($"{name}-strings are not translated");
                tokens.Add(new Token(Kind.Name, name));
                i = j;
                continue;
            }
            if (char.IsDigit(c) || (c == '.' && i + 1 < s.Length && char.IsDigit(s[i + 1])))
            {
                int j = i;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] is '.' or '_' || ((s[j] is '+' or '-') && (s[j - 1] is 'e' or 'E') && !s[i..j].StartsWith("0x", StringComparison.OrdinalIgnoreCase)))) j++;
                tokens.Add(new Token(Kind.Number, s[i..j].Replace("_", "", StringComparison.Ordinal)));
                i = j;
                continue;
            }
            if (c is '\'' or '"')
            {
                if (i + 2 < s.Length && s[i + 1] == c && s[i + 2] == c) throw new NotTranslatable("triple-quoted strings are not translated");
                var value = new StringBuilder();
                int j = i + 1;
                for (; j < s.Length && s[j] != c; j++)
                {
                    if (s[j] != '\\') { value.Append(s[j]); continue; }
                    j++;
                    if (j >= s.Length) break;
                    value.Append(s[j] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => s[j] });
                }
                if (j >= s.Length) throw new NotTranslatable("unterminated string");
                tokens.Add(new Token(Kind.String, value.ToString()));
                i = j + 1;
                continue;
            }
            if (c is '(' or '[' or '{') { tokens.Add(new Token(Kind.Open, c.ToString())); i++; continue; }
            if (c is ')' or ']' or '}') { tokens.Add(new Token(Kind.Close, c.ToString())); i++; continue; }
            if (c == ',') { tokens.Add(new Token(Kind.Comma, ",")); i++; continue; }
            if (c == ':') { tokens.Add(new Token(Kind.Colon, ":")); i++; continue; }
            var two = i + 1 < s.Length ? s.Substring(i, 2) : "";
            if (two is "//" or "**") throw new NotTranslatable($"operator '{two}' differs in C++");
            if (two is "==" or "!=" or "<=" or ">=") { tokens.Add(new Token(Kind.Op, two)); i += 2; continue; }
            if (c is '+' or '-' or '*' or '/' or '%' or '<' or '>') { tokens.Add(new Token(Kind.Op, c.ToString())); i++; continue; }
            throw new NotTranslatable($"'{c}' is not translated");
        }
        return tokens;
    }

    /// <summary>Translates tokens up to the closing bracket <paramref name="close"/> (or the end).</summary>
    private static string Sequence(List<Token> t, ref int pos, string? close, string? entryPoint)
    {
        var text = new StringBuilder();
        Token? previous = null;
        while (pos < t.Count)
        {
            var tok = t[pos];
            if (tok.Kind == Kind.Close)
            {
                if (close is null || tok.Text != close) throw new NotTranslatable($"unbalanced '{tok.Text}'");
                return text.ToString();
            }
            pos++;
            switch (tok.Kind)
            {
                case Kind.Name:
                    text.Append(Name(tok.Text, entryPoint, pos < t.Count && t[pos].Kind == Kind.Open && t[pos].Text == "("));
                    break;
                case Kind.Number:
                    text.Append(Number(tok.Text));
                    break;
                case Kind.String:
                    text.Append(Quote(tok.Text));
                    break;
                case Kind.Op:
                    text.Append(tok.Text is "==" or "!=" or "<" or ">" or "<=" or ">=" ? $" {tok.Text} " : tok.Text is "+" or "*" or "/" or "%" ? $" {tok.Text} " : tok.Text);
                    break;
                case Kind.Comma:
                    text.Append(", ");
                    break;
                case Kind.Colon:
                    throw new NotTranslatable("':' (slices, lambdas, dicts out of place) is not translated");
                case Kind.Open:
                    var afterValue = previous is { Kind: Kind.Name or Kind.Close or Kind.String } && !(previous.Kind == Kind.Name && previous.Text is "and" or "or" or "not");
                    text.Append(Group(t, ref pos, tok.Text, afterValue, entryPoint));
                    previous = t[pos - 1]; // the group's closing bracket: a value, so a '[' after it is a subscript
                    continue;
            }
            previous = tok;
        }
        if (close is not null) throw new NotTranslatable($"missing '{close}'");
        return text.ToString();
    }

    private static string Group(List<Token> t, ref int pos, string open, bool afterValue, string? entryPoint)
    {
        var close = open switch { "(" => ")", "[" => "]", _ => "}" };
        var start = pos;
        if (open == "{" && !afterValue && IsDict(t, start)) return Dict(t, ref pos, entryPoint);
        var inner = Sequence(t, ref pos, close, entryPoint);
        var topComma = HasTopLevelComma(t, start, pos);
        pos++; // the closing bracket
        if (open == "(") return afterValue || (!topComma && pos - start > 1) ? $"({inner})" : $"{{{inner}}}";
        if (open == "[") return afterValue ? throw new NotTranslatable("subscripts and slices are not translated") : $"{{{inner}}}";
        if (afterValue) throw new NotTranslatable("'{' after a value is not translated");
        return $"{{{inner}}}";
    }

    private static bool HasTopLevelComma(List<Token> t, int start, int end)
    {
        int depth = 0;
        for (int i = start; i < end; i++)
        {
            if (t[i].Kind == Kind.Open) depth++;
            else if (t[i].Kind == Kind.Close) depth--;
            else if (depth == 0 && t[i].Kind == Kind.Comma) return true;
        }
        return false;
    }

    private static bool IsDict(List<Token> t, int start)
    {
        int depth = 0;
        for (int i = start; i < t.Count; i++)
        {
            if (t[i].Kind == Kind.Open) depth++;
            else if (t[i].Kind == Kind.Close) { if (depth-- == 0) return false; }
            else if (depth == 0 && t[i].Kind == Kind.Colon) return true;
        }
        return false;
    }

    /// <summary><c>{k: v, ...}</c> as <c>{{k, v}, ...}</c> (a map or unordered_map initialiser).</summary>
    private static string Dict(List<Token> t, ref int pos, string? entryPoint)
    {
        var entries = new List<string>();
        while (pos < t.Count && !(t[pos].Kind == Kind.Close && t[pos].Text == "}"))
        {
            var key = Until(t, ref pos, Kind.Colon, entryPoint);
            pos++; // ':'
            var value = Until(t, ref pos, Kind.Comma, entryPoint);
            if (pos < t.Count && t[pos].Kind == Kind.Comma) pos++;
            entries.Add($"{{{key}, {value}}}");
        }
        if (pos >= t.Count) throw new NotTranslatable("missing '}'");
        pos++;
        return $"{{{string.Join(", ", entries)}}}";
    }

    /// <summary>Tokens up to a top-level <paramref name="stop"/> or the dict's closing brace, translated.</summary>
    private static string Until(List<Token> t, ref int pos, Kind stop, string? entryPoint)
    {
        int depth = 0, start = pos;
        while (pos < t.Count)
        {
            var k = t[pos].Kind;
            if (depth == 0 && (k == stop || (k == Kind.Close && t[pos].Text == "}"))) break;
            if (k == Kind.Open) depth++;
            else if (k == Kind.Close) depth--;
            pos++;
        }
        if (stop == Kind.Colon && (pos >= t.Count || t[pos].Kind != Kind.Colon)) throw new NotTranslatable("a dict entry without ':'");
        var slice = t.GetRange(start, pos - start);
        int p = 0;
        var text = Sequence(slice, ref p, null, entryPoint);
        return text;
    }

    private static string Name(string name, string? entryPoint, bool called) => name switch
    {
        "True" => "true",
        "False" => "false",
        "and" => " && ",
        "or" => " || ",
        "not" => "!",
        "abs" when called => "std::abs",
        "candidate" when entryPoint is not null => entryPoint,
        _ when Refused.Contains(name) => throw new NotTranslatable($"'{name}' is not translated"),
        _ => name,
    };

    private static string Number(string text)
    {
        if (text.EndsWith('j') || text.EndsWith('J')) throw new NotTranslatable("complex numbers are not translated");
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return n > int.MaxValue ? text + "LL" : text;
        if (text.All(char.IsDigit)) throw new NotTranslatable($"{text} does not fit in 64 bits");
        return text;
    }

    /// <summary>A C++ string literal with the same characters.</summary>
    public static string Quote(string value)
    {
        var s = new StringBuilder("\"");
        foreach (var c in value)
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                '\0' => "\\0",
                '?' => "\\?",
                _ => c.ToString(),
            });
        return s.Append('"').ToString();
    }
}
