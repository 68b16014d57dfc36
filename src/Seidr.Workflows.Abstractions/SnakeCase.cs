using System.Text;

namespace Seidr.Workflows;

/// <summary>
/// The one PascalCase/camelCase to snake_case converter: YAML names (Catalog.Naming), the run store's column names
/// and the prompt templates' aliases all call it, so a name is spelled the same everywhere. Here because the model
/// layer references nothing but this vocabulary.
/// </summary>
internal static class SnakeCase
{
    /// <summary>
    /// <c>BeamWidth</c> -> <c>beam_width</c>: an underscore before an upper-case letter that follows a lower-case letter
    /// or a digit (<c>Pass1At</c> -> <c>pass1_at</c>), or that ends an acronym (<c>HTTPStatus</c> -> <c>http_status</c>);
    /// letters are lowered and a hyphen becomes an underscore. Anything else is kept.
    /// </summary>
    public static string From(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                bool boundary = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (boundary) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c == '-' ? '_' : c);
        }
        return sb.ToString();
    }
}
