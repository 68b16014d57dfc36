using System.Globalization;
using System.Text;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution.Cpp;

/// <summary>One test of a C++ function problem: its checks (one per assert) or why it cannot be translated.</summary>
internal sealed record CppTest(int Index, IReadOnlyList<CppCheck> Checks, string? Error);

/// <summary>One translated assert: <c>left == right</c> (right null: <c>left</c> is the condition), and the Python text.</summary>
internal sealed record CppCheck(string Left, string? Right, string PythonExpected, string Source);

/// <summary>
/// The C++ test harness of function problems: a program's source, then a <c>main</c> that reads a test number on
/// standard input and runs that test's checks. One compilation serves every test of a program; each test runs in its
/// own process, so a crash or a loop costs one verdict. The program's own <c>main</c>, if it wrote one, is renamed.
/// A failing check prints the actual value (in Python notation, to sit beside the expected Python value) after a
/// marker, so Explain can show expected vs actual as it does for Python programs.
/// </summary>
internal static class CppTestHarness
{
    /// <summary>Marks the harness's report in the program's output (a program's own prints come before it).</summary>
    public const string Marker = "\u001eSEIDR-CPP:";

    /// <summary>What every C++ program is compiled with (as SEIDR's template.cpp: the common headers and namespace std).</summary>
    public const string Prelude = "#include <bits/stdc++.h>\nusing namespace std;\n";

    /// <summary>
    /// The right side of a probe (<c>assert call == '\x00seidr-vote'</c>, how Ensemble asks for a program's outputs):
    /// such a check reports the call's value and fails, without comparing.
    /// </summary>
    public const string ProbeSentinel = "'\\x00seidr-vote'";

    private const string ProbeMark = "\u0001probe";

    /// <summary>Translates the tests; tests that cannot be translated carry their reason.</summary>
    public static List<CppTest> Translate(IReadOnlyList<(int Index, TestSpec Test)> tests, string? entryPoint)
    {
        var result = new List<CppTest>();
        foreach (var (index, test) in tests)
        {
            var statements = test switch
            {
                AssertTest a => [a.Code],
                CheckTest c => CheckAsserts(c.Code, out var why) ?? (IReadOnlyList<string>)[$"#untranslatable {why}"],
                _ => [],
            };
            entryPoint = test is CheckTest ct ? ct.EntryPoint : entryPoint;
            var checks = new List<CppCheck>();
            string? error = null;
            foreach (var statement in statements)
            {
                if (statement.StartsWith("#untranslatable ", StringComparison.Ordinal)) { error = statement[16..]; break; }
                var split = PythonToCpp.SplitAssert(statement);
                if (split is null) { error = $"not an assert statement: {statement}"; break; }
                var left = PythonToCpp.Expression(split.Value.Left, entryPoint, out var e1);
                string? e2 = null;
                var right = split.Value.Right is null ? null : split.Value.Right == ProbeSentinel ? ProbeMark : PythonToCpp.Expression(split.Value.Right, entryPoint, out e2);
                if (left is null || (split.Value.Right is not null && right is null)) { error = $"cannot translate to C++ ({e1 ?? e2}): {statement.Trim()}"; break; }
                checks.Add(new CppCheck(left, right, split.Value.Right ?? "True", statement.Trim()));
            }
            result.Add(new CppTest(index, checks, error ?? (checks.Count == 0 ? "the test has no assert to translate" : null)));
        }
        return result;
    }

    /// <summary>
    /// The assert statements of a HumanEval <c>def check(candidate):</c> body (multi-line asserts joined); null when the
    /// body holds anything else but comments and blank lines (loops, helper code), which is not translated.
    /// </summary>
    public static IReadOnlyList<string>? CheckAsserts(string code, out string? why)
    {
        why = null;
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith("def check(", StringComparison.Ordinal));
        if (start < 0) { why = "no 'def check(' in the check program"; return null; }
        var asserts = new List<string>();
        var current = new StringBuilder();
        int depth = 0;
        for (int i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (depth == 0)
            {
                var trimmed = line.Trim();
                if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
                if (!char.IsWhiteSpace(line[0])) break; // the end of check's body
                if (trimmed == "pass" || (trimmed.StartsWith("print(", StringComparison.Ordinal) && trimmed.EndsWith(')'))) continue;
                if (!trimmed.StartsWith("assert", StringComparison.Ordinal)) { why = $"the check's body holds code other than asserts: {trimmed}"; return null; }
                current.Clear();
            }
            current.Append(depth == 0 ? line.Trim() : " " + line.Trim());
            depth += Depth(line);
            if (depth <= 0)
            {
                depth = 0;
                asserts.Add(current.ToString());
            }
        }
        if (asserts.Count == 0) { why = "the check has no asserts"; return null; }
        return asserts;
    }

    private static int Depth(string line)
    {
        int d = 0;
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0') { if (c == '\\') i++; else if (c == quote) quote = '\0'; continue; }
            if (c == '#') break;
            if (c is '\'' or '"') quote = c;
            else if (c is '(' or '[' or '{') d++;
            else if (c is ')' or ']' or '}') d--;
        }
        return d;
    }

    /// <summary>The program with a main that runs the given tests (none: the program alone, to see whether it compiles).</summary>
    public static string Build(string source, IEnumerable<CppTest> tests)
    {
        var s = new StringBuilder(Prelude);
        // #line makes the compiler's messages point at the program's own lines (what Explain shows the model).
        s.Append("#define main seidr_program_main\n#line 1 \"program.cpp\"\n").Append(source).Append("\n#undef main\n#line 1 \"seidr_harness.cpp\"\n").Append(Runtime);
        s.Append("int main() {\n  int seidr_test = -1;\n  if (!(std::cin >> seidr_test)) return 3;\n  std::cout << std::setprecision(15);\n  try {\n    switch (seidr_test) {\n");
        foreach (var t in tests)
        {
            s.Append("    case ").Append(t.Index.ToString(CultureInfo.InvariantCulture)).Append(": {\n");
            for (int j = 0; j < t.Checks.Count; j++)
            {
                var c = t.Checks[j];
                var n = j.ToString(CultureInfo.InvariantCulture);
                if (c.Right == ProbeMark)
                    s.Append("      { auto seidr_actual = ").Append(c.Left).Append(";\n        seidr_fail(").Append(n).Append(", seidr_actual); return 1; }\n");
                else if (c.Right is null)
                    s.Append("      if (!(").Append(c.Left).Append(")) { seidr_fail(").Append(n).Append("); return 1; }\n");
                else
                    s.Append("      { auto seidr_actual = ").Append(c.Left).Append(";\n        decltype(seidr_actual) seidr_expected = ").Append(c.Right)
                     .Append(";\n        if (!seidr_eq(seidr_actual, seidr_expected)) { seidr_fail(").Append(n).Append(", seidr_actual); return 1; } }\n");
            }
            s.Append("      return 0;\n    }\n");
        }
        s.Append("    }\n  } catch (const std::exception& e) {\n    std::cout << std::flush; std::cerr << \"exception: \" << e.what() << std::endl; return 2;\n  } catch (...) {\n    std::cout << std::flush; std::cerr << \"exception (not a std::exception)\" << std::endl; return 2;\n  }\n  return 3;\n}\n");
        return s.ToString();
    }

    /// <summary>Equality that compares floating-point values within 1e-9 (a float result against a double literal) and containers element-wise; printing in Python notation.</summary>
    private const string Runtime = """

namespace {
template <class T> bool seidr_eq(const T& a, const T& b);
inline bool seidr_eq_f(double a, double b) { return a == b || std::fabs(a - b) <= 1e-9 * std::max(1.0, std::max(std::fabs(a), std::fabs(b))); }
template <class T> bool seidr_eq_v(const T& a, const T& b, std::true_type) { return seidr_eq_f((double)a, (double)b); }
template <class T> bool seidr_eq_v(const T& a, const T& b, std::false_type) { return a == b; }
template <class T> bool seidr_eq(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) if (!seidr_eq(a[i], b[i])) return false;
  return true;
}
template <class T> bool seidr_eq(const T& a, const T& b) { return seidr_eq_v(a, b, std::is_floating_point<T>()); }

struct seidr_low {};
struct seidr_high : seidr_low {};
void seidr_print(std::ostream& o, const std::string& s);
void seidr_print(std::ostream& o, const char* s);
void seidr_print(std::ostream& o, bool b);
void seidr_print(std::ostream& o, char c);
template <class T> void seidr_print(std::ostream& o, const T& v);
template <class A, class B> void seidr_print(std::ostream& o, const std::pair<A, B>& p);
template <class T> void seidr_print(std::ostream& o, const std::vector<T>& v);
template <class K, class V> void seidr_print(std::ostream& o, const std::map<K, V>& m);
void seidr_print(std::ostream& o, const std::string& s) {
  o << '\'';
  for (char c : s) { if (c == '\n') o << "\\n"; else if (c == '\'' || c == '\\') o << '\\' << c; else o << c; }
  o << '\'';
}
void seidr_print(std::ostream& o, const char* s) { seidr_print(o, std::string(s)); }
void seidr_print(std::ostream& o, bool b) { o << (b ? "True" : "False"); }
void seidr_print(std::ostream& o, char c) { seidr_print(o, std::string(1, c)); }
template <class T> auto seidr_out(std::ostream& o, const T& v, seidr_high) -> decltype(o << v, void()) { o << v; }
template <class T> void seidr_out(std::ostream& o, const T&, seidr_low) { o << "<value>"; }
template <class T> void seidr_print(std::ostream& o, const T& v) { seidr_out(o, v, seidr_high()); }
template <class A, class B> void seidr_print(std::ostream& o, const std::pair<A, B>& p) { o << '('; seidr_print(o, p.first); o << ", "; seidr_print(o, p.second); o << ')'; }
template <class T> void seidr_print(std::ostream& o, const std::vector<T>& v) {
  o << '['; for (size_t i = 0; i < v.size(); i++) { if (i) o << ", "; seidr_print(o, v[i]); } o << ']';
}
template <class K, class V> void seidr_print(std::ostream& o, const std::map<K, V>& m) {
  o << '{'; bool first = true; for (auto& kv : m) { if (!first) o << ", "; first = false; seidr_print(o, kv.first); o << ": "; seidr_print(o, kv.second); } o << '}';
}
void seidr_fail(int check) { std::cout << std::flush << "\n\x1eSEIDR-CPP:" << check << "\n" << std::flush; }
template <class T> void seidr_fail(int check, const T& actual) {
  std::ostringstream text; text << std::setprecision(15); seidr_print(text, actual);
  std::cout << std::flush << "\n\x1eSEIDR-CPP:" << check << " " << text.str() << "\n" << std::flush;
}
}

""";

    /// <summary>The harness's report in a run's output: the failed check's number and the actual value, and the program's own output before it.</summary>
    public static (int? Check, string? Actual, string Output) ParseReport(string stdout)
    {
        var at = stdout.LastIndexOf(Marker, StringComparison.Ordinal);
        if (at < 0) return (null, null, stdout);
        var output = stdout[..at].TrimEnd('\n');
        var report = stdout[(at + Marker.Length)..].TrimEnd('\n');
        var space = report.IndexOf(' ', StringComparison.Ordinal);
        var number = space < 0 ? report : report[..space];
        int? check = int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        return (check, space < 0 ? null : report[(space + 1)..], output);
    }
}
