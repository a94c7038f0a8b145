using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>
/// Finds relative links in Markdown that lead nowhere: a file or folder that does not exist, a path that leaves the
/// repository, or a <c>#fragment</c> that no heading of the target Markdown file has (GitHub's slugs).
/// </summary>
internal static partial class LinkChecker
{
    /// <summary>The Markdown files whose links are checked: the README, the CHANGELOG and the manual.</summary>
    public static IReadOnlyList<string> DocumentationFiles(string repositoryRoot) =>
        [.. new[] { "README.md", "CHANGELOG.md" }.Where(file => File.Exists(Path.Combine(repositoryRoot, file)))
            .Concat(Directory.EnumerateFiles(Path.Combine(repositoryRoot, "docs"), "*.md", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(repositoryRoot, path).Replace('\\', '/'))
                .Order(StringComparer.Ordinal))];

    /// <summary>Each broken link of <paramref name="file"/>, as "line N: target: why".</summary>
    public static IReadOnlyList<string> BrokenLinks(string repositoryRoot, string file)
    {
        var root = Path.GetFullPath(repositoryRoot);
        var source = MarkdownFile.Load(root, file);
        var loaded = new Dictionary<string, MarkdownFile>(StringComparer.Ordinal) { [source.Path] = source };
        var broken = new List<string>();
        foreach (var link in source.Links)
        {
            if (Scheme().IsMatch(link.Target))
            {
                continue; // http:, https:, mailto: leave the repository
            }

            var hash = link.Target.IndexOf('#', StringComparison.Ordinal);
            var path = Uri.UnescapeDataString(hash < 0 ? link.Target : link.Target[..hash]);
            var fragment = hash < 0 ? null : Uri.UnescapeDataString(link.Target[(hash + 1)..]);
            string target;
            if (path.Length == 0)
            {
                if (fragment is null)
                {
                    broken.Add($"line {link.Line}: an empty link");
                    continue;
                }

                target = source.Path;
            }
            else
            {
                var full = Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(source.Path) ?? "", path));
                if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != root)
                {
                    broken.Add($"line {link.Line}: {link.Target}: leaves the repository");
                    continue;
                }

                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    broken.Add($"line {link.Line}: {link.Target}: no such file or folder");
                    continue;
                }

                target = Path.GetRelativePath(root, full).Replace('\\', '/');
            }

            // Anchors are checked in Markdown only: elsewhere GitHub's fragments (#L10) are about lines.
            if (fragment is null || !target.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(Path.Combine(root, target)))
            {
                continue;
            }

            if (!loaded.TryGetValue(target, out var document))
            {
                document = MarkdownFile.Load(root, target);
                loaded[target] = document;
            }

            if (!document.Anchors.Contains(fragment))
            {
                broken.Add($"line {link.Line}: {link.Target}: {target} has no heading or anchor '#{fragment}'");
            }
        }

        return broken;
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex Scheme();
}
