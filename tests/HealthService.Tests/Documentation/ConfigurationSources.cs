using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HealthService.Tests.Documentation;

/// <summary>A key bound to an options property, with the default the options class gives it (null when it has none to show).</summary>
internal sealed record BoundSetting(string Key, string? Default);

/// <summary>
/// A key the source reads from <c>IConfiguration</c> itself: <c>configuration["urls"]</c> (exact) or
/// <c>configuration.GetSection("Serilog")</c> (a section, whose keys belong to whoever reads the section).
/// </summary>
internal sealed record DirectRead(string Key, bool IsSection, string Where);

/// <summary>
/// The configuration keys the code reads, worked out from the code rather than kept as a second list: the options
/// types the real host binds to configuration, walked by reflection, and the keys read directly from
/// <c>IConfiguration</c> in <c>src/</c>.
/// </summary>
internal static partial class ConfigurationSources
{
    /// <summary>
    /// The options types the service binds to configuration sections, from the service collection of the real host,
    /// with the section each is bound to.
    /// </summary>
    public static IReadOnlyList<(Type Type, string Section)> BoundOptionTypes()
    {
        List<ServiceDescriptor> registered = [];
        using (var factory = new HealthServiceFactory().WithServices(services => registered = [.. services]))
        {
            _ = factory.Services;
        }

        // Bound with BindConfiguration (which registers a change-token source), or read once by a factory of the
        // service's own (HealthServiceOptions: AddHealthService reads its section once).
        var types = registered
            .Where(d => d.ServiceType.IsGenericType
                && (d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>)
                    || (d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsFactory<>) && (d.ImplementationType ?? d.ImplementationFactory?.Method.ReturnType)?.Assembly.GetName().Name?.StartsWith("HealthService", StringComparison.Ordinal) == true)))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(type => type.Assembly.GetName().Name?.StartsWith("HealthService", StringComparison.Ordinal) == true)
            .Distinct()
            .ToList();
        return [.. types.Select(type => (type, SectionOf(type)))];
    }

    /// <summary>Every key below <paramref name="section"/> that binds to a public settable property of <paramref name="type"/>.</summary>
    public static IReadOnlyList<BoundSetting> KeysOf(Type type, string section)
    {
        var keys = new List<BoundSetting>();
        Walk(type, section, keys);
        return keys;
    }

    /// <summary>Every <c>IConfiguration</c> read in <c>src/</c>; <paramref name="unresolved"/> lists reads whose key this scan cannot tell.</summary>
    public static IReadOnlyList<DirectRead> DirectReads(string repositoryRoot, out IReadOnlyList<string> unresolved)
    {
        var files = Directory.EnumerateFiles(Path.Combine(repositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(path => (Path: Path.GetRelativePath(repositoryRoot, path).Replace('\\', '/'), Text: File.ReadAllText(path)))
            .ToList();
        var constants = files.SelectMany(file => Constants(file.Text)).ToList();
        var reads = new List<DirectRead>();
        var problems = new List<string>();
        foreach (var (path, text) in files)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal) || code.StartsWith('*'))
                {
                    continue;
                }

                foreach (var (match, isSection) in Indexer().Matches(code).Select(m => (m, false))
                    .Concat(Method().Matches(code).Select(m => (m, m.Groups["method"].Value.EndsWith("Section", StringComparison.Ordinal)))))
                {
                    var where = $"{path}:{i + 1}";
                    var keys = Resolve(match.Groups["argument"].Value.Trim(), text, constants);
                    if (keys is null)
                    {
                        problems.Add($"{where}: {match.Value.Trim()}");
                        continue;
                    }

                    reads.AddRange(keys.Select(key => new DirectRead(key, isSection, where)));
                }
            }
        }

        unresolved = problems;
        return reads;
    }

    /// <summary>The shipped <c>appsettings.json</c>, flattened: every key that has a value.</summary>
    public static IReadOnlyDictionary<string, string> Shipped(string repositoryRoot) =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(repositoryRoot, "appsettings.json")).Build().AsEnumerable()
            .Where(setting => setting.Value is not null)
            .ToDictionary(setting => setting.Key, setting => setting.Value!, StringComparer.OrdinalIgnoreCase);

    private static string SectionOf(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
        ?? throw new InvalidOperationException(
            $"{type.FullName} is bound to configuration, but the documentation test cannot tell its section: give it a public const SectionName, as HealthServiceOptions has.");

    private static void Walk(Type type, string prefix, List<BoundSetting> keys)
    {
        var defaults = type.IsAbstract ? null : Activator.CreateInstance(type);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetSetMethod() is not null))
        {
            var key = $"{prefix}:{property.Name}";
            var propertyType = property.PropertyType;
            if (IsOptionsClass(propertyType))
            {
                Walk(propertyType, key, keys);
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                var valueType = propertyType.GetGenericArguments()[1];
                if (IsOptionsClass(valueType))
                {
                    Walk(valueType, $"{key}:<>", keys);
                }
                else
                {
                    keys.Add(new BoundSetting($"{key}:<>", null));
                }
            }
            else if (propertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                keys.Add(new BoundSetting($"{key}:<>", null));
            }
            else
            {
                keys.Add(new BoundSetting(key, Format(defaults is null ? null : property.GetValue(defaults))));
            }
        }
    }

    private static bool IsOptionsClass(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsArray && type.Namespace?.StartsWith("HealthService", StringComparison.Ordinal) == true;

    /// <summary>A default as the documentation writes it: <c>00:00:05</c>, <c>true</c>, <c>85</c>, <c>GET</c>.</summary>
    private static string? Format(object? value) => value switch
    {
        null => null,
        string text => text.Length == 0 ? null : text,
        bool flag => flag ? "true" : "false",
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>The key(s) an argument names: a string literal, a <c>const string</c>, or the loop variable over an array of literals.</summary>
    private static List<string>? Resolve(string argument, string fileText, List<(string Type, string Name, string Value)> constants)
    {
        if (Literal().Match(argument) is { Success: true } literal)
        {
            return [literal.Groups["value"].Value];
        }

        if (!Identifier().IsMatch(argument))
        {
            return null;
        }

        // The section AddHealthService was given (Health unless the application names another): its keys are the
        // bound options', documented under Health.
        if (argument is "sectionPath" or "configSectionPath")
        {
            return ["Health"];
        }

        var parts = argument.Split('.');
        var name = parts[^1];
        var owner = parts.Length > 1 ? parts[^2] : null;
        var values = constants.Where(c => c.Name == name && (owner is null || c.Type == owner)).Select(c => c.Value).Distinct().ToList();
        if (values.Count == 1)
        {
            return values;
        }

        if (owner is null && Regex.Match(fileText, $@"foreach\s*\(\s*var\s+{Regex.Escape(name)}\s+in\s+(?<array>\w+)\s*\)") is { Success: true } loop
            && Regex.Match(fileText, $@"\b{Regex.Escape(loop.Groups["array"].Value)}\s*=\s*(?:new\s*(?:string)?\s*\[\]\s*\{{(?<items>[^}}]*)\}}|\[(?<items>[^\]]*)\])") is { Success: true } array)
        {
            var items = StringLiteral().Matches(array.Groups["items"].Value).Select(m => m.Groups["value"].Value).ToList();
            return items.Count > 0 ? items : null;
        }

        return null;
    }

    /// <summary>Every <c>const string</c> of a file, with the type declared last before it.</summary>
    private static IEnumerable<(string Type, string Name, string Value)> Constants(string source)
    {
        // Whole-line comments only: "//" inside a string ("http://...") is not a comment.
        var text = LineComment().Replace(source, "");
        var types = TypeDeclaration().Matches(text).Select(m => (m.Index, Name: m.Groups["name"].Value)).ToList();
        foreach (Match constant in ConstString().Matches(text))
        {
            var type = types.LastOrDefault(t => t.Index < constant.Index).Name ?? "";
            yield return (type, constant.Groups["name"].Value, constant.Groups["value"].Value);
        }
    }

    // configuration["key"], builder.Configuration[Name], but not an assignment such as configuration["key"] = value.
    [GeneratedRegex(@"\b\w*[Cc]onfiguration\s*\[\s*(?<argument>[^\]]+?)\s*\](?!\s*=(?!=))")]
    private static partial Regex Indexer();

    [GeneratedRegex(@"\b\w*[Cc]onfiguration\s*\.\s*(?<method>GetSection|GetRequiredSection|GetValue|GetConnectionString)\s*(?:<[^>]+>)?\s*\(\s*(?<argument>[^,)]+?)\s*[,)]")]
    private static partial Regex Method();

    [GeneratedRegex(@"^@?""(?<value>[^""]*)""$")]
    private static partial Regex Literal();

    [GeneratedRegex(@"""(?<value>[^""]*)""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"\bconst\s+string\s+(?<name>\w+)\s*=\s*""(?<value>[^""]*)""")]
    private static partial Regex ConstString();

    [GeneratedRegex(@"\b(?:class|record|struct|interface)\s+(?<name>\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^[ \t]*//.*$", RegexOptions.Multiline)]
    private static partial Regex LineComment();
}
