using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>
/// The performance figures the README and the manual quote are the record's (bench/results.md), and the record
/// measured the code as it is. A figure from the record is written as a link to it (<c>[129 ms](../bench/results.md#goals)</c>),
/// or sits in the README's headline table; a ratio against the bare app or a count in millions anywhere else is
/// a figure nobody checks, and fails here.
/// </summary>
public sealed partial class BenchmarkFigureTests
{
    private static string Root => ConfigurationTests.RepositoryRoot();

    public static TheoryData<string> DocumentationFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in LinkChecker.DocumentationFiles(Root).Where(file => file != "CHANGELOG.md"))
        {
            files.Add(file);
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(DocumentationFiles))]
    public void Every_figure_linked_to_the_record_is_in_the_record(string file)
    {
        var record = BenchmarkRecord.Load(Root);
        var wrong = MarkdownFile.Load(Root, file).Links
            .Where(link => LeadsToRecord(file, link.Target))
            .SelectMany(link => BenchmarkRecord.FiguresIn(link.Label).Select(figure => (link.Line, figure)))
            .Where(quoted => !record.Holds(quoted.figure))
            .Select(quoted => $"line {quoted.Line}: {quoted.figure.Text}")
            .ToList();

        Assert.True(wrong.Count == 0, $"{file} quotes figures that {BenchmarkRecord.RelativePath} (commit {record.Commit}) does not hold:\n  " + string.Join("\n  ", wrong));
    }

    [Fact]
    public void The_readme_headline_table_is_the_record_of_the_commit_it_names()
    {
        var record = BenchmarkRecord.Load(Root);
        var readme = MarkdownFile.Load(Root, "README.md");
        var table = Assert.Single(readme.Tables, t => t.Section == "Headline figures");
        var measured = table.Header.Select((name, index) => (name, index)).Where(column => column.name is not ("measure" or "goal")).Select(column => column.index).ToList();
        var wrong = table.Rows
            .SelectMany(row => measured.SelectMany(index => BenchmarkRecord.FiguresIn(row.Cells[index]).Select(figure => (row.Line, figure))))
            .Where(quoted => !record.Holds(quoted.figure))
            .Select(quoted => $"line {quoted.Line}: {quoted.figure.Text}")
            .ToList();
        var introduction = HeadlineIntroduction();

        Assert.True(table.Rows.Count >= 10, "the headline table has lost its rows");
        Assert.True(wrong.Count == 0, $"README.md's headline table quotes figures that the record (commit {record.Commit}) does not hold:\n  " + string.Join("\n  ", wrong));
        Assert.Contains($"commit {record.Commit}", introduction, StringComparison.Ordinal);
        Assert.Contains(record.Date, introduction, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DocumentationFiles))]
    public void Ratios_against_the_bare_app_and_counts_in_millions_are_quoted_from_the_record(string file)
    {
        var unchecked_ = new List<string>();
        var lines = File.ReadAllLines(Path.Combine(Root, file));
        var inFence = false;
        var inHeadlineTable = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            inHeadlineTable = file == "README.md" && (line.StartsWith("## Headline figures", StringComparison.Ordinal) || (inHeadlineTable && !line.StartsWith("## ", StringComparison.Ordinal)));
            if (inFence || inHeadlineTable)
            {
                continue;
            }

            // What a link to the record quotes is checked above; code spans are not prose.
            var prose = CodeSpan().Replace(RecordLink().Replace(line, ""), "");
            unchecked_.AddRange(UncheckedFigure().Matches(prose).Select(match => $"line {i + 1}: {match.Value}"));
        }

        Assert.True(unchecked_.Count == 0, $"{file} quotes figures without a link to {BenchmarkRecord.RelativePath}, so nothing compares them with it:\n  " + string.Join("\n  ", unchecked_));
    }

    [Fact]
    public void The_record_measured_the_last_change_to_src()
    {
        var record = BenchmarkRecord.Load(Root);
        Assert.True(record.Commit != "(uncommitted)", $"{BenchmarkRecord.RelativePath} measured uncommitted code: commit, then run bash bench/run.sh");

        var (status, output) = Git("diff", "--stat", record.Commit, "HEAD", "--", "src");

        Assert.True(status == 0, $"git cannot compare the record's commit {record.Commit} with HEAD (is this a clone with its history?): {output}");
        Assert.True(output.Trim().Length == 0,
            $"src/ changed after the commit {BenchmarkRecord.RelativePath} measured ({record.Commit}): run bash bench/run.sh at the final commit and update the figures.\n{output}");
    }

    [Theory]
    [InlineData("129 ms", true)]
    [InlineData("0.29 x", true)]
    [InlineData("3.0 million", true)]
    [InlineData("51,385", true)]
    [InlineData("-39.0 MiB", true)]
    [InlineData("0.35 s", false)]
    [InlineData("5.5 million", false)]
    [InlineData("130 ms", false)]
    [InlineData("0.3 x", true)]
    [InlineData("0.30 x", false)]
    [InlineData("34.2 ms", false)]
    public void A_figure_holds_when_the_record_rounds_to_it_in_the_same_unit(string text, bool holds)
    {
        var record = Sample();
        var figure = Assert.Single(BenchmarkRecord.FiguresIn(text));

        Assert.Equal(holds, record.Holds(figure));
    }

    private static BenchmarkRecord Sample()
    {
        var folder = Directory.CreateTempSubdirectory("healthservice-record-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "bench"));
            File.WriteAllText(Path.Combine(folder, BenchmarkRecord.RelativePath), """
                - Date: 2026-12-07 01:02:47 UTC
                - .NET SDK 10.0.401, commit 191820c
                | 1 throughput | keep-alive, 64 connections: requests/s | 51385 | bare 49932 | 1.029 | >= 0.9 | PASS |
                | 2 amplification | queries per minute during the flood (2957295 /health requests) | 12.0 |
                | 4 startup | start-up to the first 200, default probes | 128.8 ms | bare 446.7 ms | 0.288 | <= 0.5 | PASS |
                | 4 startup | RSS after load | 34.2 MiB | bare 73.2 MiB | -39.0 MiB | <= bare (+0 MiB) | PASS |
                """);
            return BenchmarkRecord.Load(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool LeadsToRecord(string file, string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? target : target[..hash];
        return path.Length > 0 && !path.Contains(':', StringComparison.Ordinal)
            && Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(file) ?? "", path))).Replace('\\', '/') == BenchmarkRecord.RelativePath;
    }

    private static string HeadlineIntroduction()
    {
        var text = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = text.IndexOf("## Headline figures", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no Headline figures section");
        var table = text.IndexOf("\n|", start, StringComparison.Ordinal);
        return text[start..table];
    }

    private static (int Status, string Output) Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEndAsync();
            var error = git.StandardError.ReadToEnd();
            git.WaitForExit();
            return (git.ExitCode, output.Result + error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, $"git could not be started ({ex.Message}): install git (apt-get install git)");
        }
    }

    [GeneratedRegex(@"\[[^\]]*\]\([^)]*bench/results\.md[^)]*\)")]
    private static partial Regex RecordLink();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    // "0.29 x bare", "1.16 x the healthy service's", "3.0 million requests": figures that only a run of the bench can give.
    [GeneratedRegex(@"\b\d+(?:\.\d+)?\s?x\s+(?:bare|the|healthy)\b|\b\d+(?:\.\d+)?\s+million\b")]
    private static partial Regex UncheckedFigure();
}
