using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>
/// The parts of a Markdown file that the documentation tests read, as GitHub renders them: headings and the anchors
/// GitHub gives them, relative links, and tables. Fenced code blocks and inline code are not Markdown to GitHub, so
/// a heading or a link inside them counts for nothing here either.
/// </summary>
internal sealed partial class MarkdownFile
{
    private MarkdownFile(string path, IReadOnlySet<string> anchors, IReadOnlyList<MarkdownLink> links, IReadOnlyList<MarkdownTable> tables)
    {
        Path = path;
        Anchors = anchors;
        Links = links;
        Tables = tables;
    }

    /// <summary>The file's path relative to the repository root, with '/' separators.</summary>
    public string Path { get; }

    /// <summary>Every <c>#fragment</c> a link may name: heading slugs and explicit <c>&lt;a id&gt;</c>/<c>&lt;a name&gt;</c> anchors.</summary>
    public IReadOnlySet<string> Anchors { get; }

    public IReadOnlyList<MarkdownLink> Links { get; }

    public IReadOnlyList<MarkdownTable> Tables { get; }

    public static MarkdownFile Load(string repositoryRoot, string relativePath)
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(repositoryRoot, relativePath));
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var slugCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var links = new List<MarkdownLink>();
        var tables = new List<MarkdownTable>();
        string? fence = null;
        var section = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (Fence().Match(line) is { Success: true } opening)
            {
                var marker = opening.Groups["marker"].Value;
                if (fence is null)
                {
                    fence = marker;
                    continue;
                }

                // A fence closes with the same character, at least as long as the one that opened it.
                if (marker[0] == fence[0] && marker.Length >= fence.Length && opening.Groups["info"].Value.Trim().Length == 0)
                {
                    fence = null;
                }

                continue;
            }

            if (fence is not null)
            {
                continue;
            }

            var text = WithoutCodeSpans(line);
            foreach (Match anchor in HtmlAnchor().Matches(text))
            {
                anchors.Add(anchor.Groups["id"].Value);
            }

            foreach (Match link in InlineLink().Matches(text))
            {
                links.Add(new MarkdownLink(link.Groups["target"].Value, link.Groups["label"].Value, i + 1));
            }

            if (ReferenceDefinition().Match(text) is { Success: true } definition)
            {
                links.Add(new MarkdownLink(definition.Groups["target"].Value, definition.Groups["label"].Value, i + 1));
            }

            if (Heading().Match(line) is { Success: true } heading)
            {
                var slug = Slug(heading.Groups["text"].Value);
                var seen = slugCounts.GetValueOrDefault(slug);
                slugCounts[slug] = seen + 1;
                anchors.Add(seen == 0 ? slug : $"{slug}-{seen}");
                if (heading.Groups["level"].Value.Length <= 2)
                {
                    section = heading.Groups["text"].Value.Trim();
                }

                continue;
            }

            if (IsTableRow(line) && i + 1 < lines.Length && TableSeparator().IsMatch(lines[i + 1]))
            {
                var header = Cells(line);
                var rows = new List<MarkdownTableRow>();
                var next = i + 2;
                for (; next < lines.Length && IsTableRow(lines[next]); next++)
                {
                    rows.Add(new MarkdownTableRow(Cells(lines[next]), next + 1));
                    foreach (Match link in InlineLink().Matches(WithoutCodeSpans(lines[next])))
                    {
                        links.Add(new MarkdownLink(link.Groups["target"].Value, link.Groups["label"].Value, next + 1));
                    }
                }

                tables.Add(new MarkdownTable(section, header, rows, i + 1));
                i = next - 1;
            }
        }

        return new MarkdownFile(relativePath.Replace('\\', '/'), anchors, links, tables);
    }

    /// <summary>
    /// The anchor GitHub gives a heading (github-slugger): the rendered text, lower case, without punctuation or
    /// symbols, each space a hyphen. Code spans keep their text, links their label, emphasis loses its markers.
    /// </summary>
    public static string Slug(string heading)
    {
        // Code spans are literal text ("<name>" in one is not a tag): set aside while tags and emphasis go.
        var spans = new List<string>();
        var text = CodeSpan().Replace(heading, match =>
        {
            spans.Add(match.Groups["code"].Value);
            return $"\u0001{spans.Count - 1}\u0002";
        });
        text = InlineLinkOrImage().Replace(text, "${label}");
        text = HtmlTag().Replace(text, "");
        text = Emphasis().Replace(text, "");
        text = SetAside().Replace(text, match => spans[int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture)]);
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (c is ' ' or '-' or '_' || char.IsLetterOrDigit(c)
                || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation)
            {
                slug.Append(c == ' ' ? '-' : c);
            }
        }

        return slug.ToString();
    }

    /// <summary>The backtick-quoted parts of a table cell: <c>`Health:Interval`, `Health:Timeout`</c> gives both.</summary>
    public static IReadOnlyList<string> CodeSpans(string cell) =>
        [.. CodeSpan().Matches(cell).Select(match => match.Groups["code"].Value.Trim())];

    private static bool IsTableRow(string line) => line.TrimStart().StartsWith('|');

    private static string WithoutCodeSpans(string line) => CodeSpan().Replace(line, "");

    /// <summary>A row's cells, split at '|' that is not escaped (<c>\|</c> is a literal bar, in code spans too).</summary>
    private static string[] Cells(string row)
    {
        var text = row.Trim();
        if (text.StartsWith('|'))
        {
            text = text[1..];
        }

        if (text.EndsWith('|') && !text.EndsWith("\\|", StringComparison.Ordinal))
        {
            text = text[..^1];
        }

        return [.. UnescapedBar().Split(text).Select(cell => cell.Replace("\\|", "|", StringComparison.Ordinal).Trim())];
    }

    [GeneratedRegex(@"^ {0,3}(?<marker>`{3,}|~{3,})(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^ {0,3}(?<level>#{1,6})[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"(?<ticks>`+)(?<code>.+?)\k<ticks>")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[(?<label>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?(?<target>[^)\s>]*)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"!?\[(?<label>(?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)")]
    private static partial Regex InlineLinkOrImage();

    [GeneratedRegex(@"^ {0,3}\[(?<label>[^\]]+)\]:\s*<?(?<target>[^\s>]+)>?")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*""(?<id>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlAnchor();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex("\u0001(?<index>[0-9]+)\u0002")]
    private static partial Regex SetAside();

    [GeneratedRegex(@"(?<![\w])[*_]{1,3}|[*_]{1,3}(?![\w])")]
    private static partial Regex Emphasis();

    [GeneratedRegex(@"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")]
    private static partial Regex TableSeparator();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex UnescapedBar();
}

/// <summary>A link as written: <c>docs/x.md#anchor</c>, <c>#anchor</c>, <c>https://...</c>; its label; the line it is on.</summary>
internal sealed record MarkdownLink(string Target, string Label, int Line);

/// <summary>A table, with the level-1 or level-2 heading it sits under.</summary>
internal sealed record MarkdownTable(string Section, IReadOnlyList<string> Header, IReadOnlyList<MarkdownTableRow> Rows, int Line);

internal sealed record MarkdownTableRow(IReadOnlyList<string> Cells, int Line);
