using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>
/// Configuration keys as the documentation writes them: <c>Health:Postgres:&lt;name&gt;:ConnectionString</c>, where a
/// placeholder in angle brackets stands for any one segment, and a trailing <c>*</c> for anything below a section.
/// </summary>
internal static partial class ConfigurationKey
{
    /// <summary>Every placeholder becomes <c>&lt;&gt;</c>, so that <c>&lt;name&gt;</c> and <c>&lt;n&gt;</c> compare equal.</summary>
    public static string Normalize(string key) => Placeholder().Replace(key.Trim(), "<>");

    /// <summary>Whether <paramref name="key"/> (concrete or normalized) is one the <paramref name="pattern"/> describes.</summary>
    public static bool Matches(string pattern, string key)
    {
        var wanted = Normalize(pattern).Split(':');
        var actual = Normalize(key).Split(':');
        for (var i = 0; i < wanted.Length; i++)
        {
            if (wanted[i] == "*" && i == wanted.Length - 1)
            {
                return actual.Length > i;
            }

            if (i >= actual.Length || (wanted[i] != "<>" && !string.Equals(wanted[i], actual[i], StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return actual.Length == wanted.Length;
    }

    /// <summary>Whether <paramref name="key"/> is <paramref name="section"/> itself or lies below it.</summary>
    public static bool IsUnder(string key, string section) =>
        string.Equals(key, section, StringComparison.OrdinalIgnoreCase)
        || key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("<[^<>]*>")]
    private static partial Regex Placeholder();
}
