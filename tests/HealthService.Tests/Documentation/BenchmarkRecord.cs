using System.Globalization;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>
/// bench/results.md, the performance record that <c>bash bench/run.sh</c> writes, read for the figures the README and
/// the manual quote: the commit and date it measured, and every number in it with its unit.
/// </summary>
internal sealed partial class BenchmarkRecord
{
    public const string RelativePath = "bench/results.md";

    private readonly List<(decimal Value, string Unit)> _figures;

    private BenchmarkRecord(string commit, string date, List<(decimal Value, string Unit)> figures) =>
        (Commit, Date, _figures) = (commit, date, figures);

    /// <summary>The commit the record measured, as it names it (abbreviated), or "(uncommitted)".</summary>
    public string Commit { get; }

    /// <summary>The day of the run, <c>yyyy-MM-dd</c>.</summary>
    public string Date { get; }

    public static BenchmarkRecord Load(string repositoryRoot)
    {
        var text = File.ReadAllText(Path.Combine(repositoryRoot, RelativePath));
        var commit = CommitLine().Match(text);
        var date = DateLine().Match(text);
        Assert.True(commit.Success && date.Success, $"{RelativePath} names no commit or date: run bash bench/run.sh");
        var figures = Number().Matches(text)
            .Select(match => (Parse(match.Groups["value"].Value), match.Groups["unit"].Value))
            .ToList();
        return new BenchmarkRecord(commit.Groups["commit"].Value, date.Groups["date"].Value, figures);
    }

    /// <summary>
    /// Whether a figure as a document writes it (<c>129 ms</c>, <c>0.29 x</c>, <c>3.0 million</c>, <c>51,385</c>,
    /// <c>-39.0 MiB</c>) is one of the record's, rounded to the digits the document gives: a unit must be the record's
    /// unit, a ratio (<c>x</c>) or a plain count any of its unitless numbers, <c>million</c> a count in millions.
    /// </summary>
    public bool Holds(Figure figure)
    {
        var candidates = figure.Unit switch
        {
            "x" or "" => _figures.Where(f => f.Unit.Length == 0).Select(f => f.Value),
            "million" => _figures.Where(f => f.Unit.Length == 0 && Math.Abs(f.Value) >= 100_000).Select(f => f.Value / 1_000_000m),
            _ => _figures.Where(f => f.Unit == figure.Unit).Select(f => f.Value),
        };
        return candidates.Any(value => Math.Round(value, figure.Decimals, MidpointRounding.AwayFromZero) == figure.Value);
    }

    /// <summary>Every figure in a piece of text (a table cell, a link's label).</summary>
    public static IReadOnlyList<Figure> FiguresIn(string text) =>
        [.. Number().Matches(text.Replace("\u2212", "-", StringComparison.Ordinal))
            .Where(match => !match.Value.Contains(':', StringComparison.Ordinal))
            .Select(match => new Figure(
                match.Value.Trim(),
                Parse(match.Groups["value"].Value),
                match.Groups["value"].Value.Contains('.', StringComparison.Ordinal) ? match.Groups["value"].Value.Split('.')[1].Length : 0,
                match.Groups["unit"].Value))];

    private static decimal Parse(string number) =>
        decimal.Parse(number.Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    // A number (thousands may be grouped with commas), then its unit when one follows. Dates and times are not figures.
    [GeneratedRegex(@"(?<![\w.:-])(?<value>[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)(?:\s?(?<unit>ms|s|MiB|KiB|B|x|million)(?![\w]))?(?![\w:-]|\.\d)")]
    private static partial Regex Number();

    [GeneratedRegex(@"commit (?<commit>[0-9a-f]{7,40}|\(uncommitted\))")]
    private static partial Regex CommitLine();

    [GeneratedRegex(@"Date: (?<date>\d{4}-\d{2}-\d{2})")]
    private static partial Regex DateLine();
}

/// <summary>A figure as written (<paramref name="Text"/>), its value, how many decimals it gives, and its unit.</summary>
internal sealed record Figure(string Text, decimal Value, int Decimals, string Unit);
