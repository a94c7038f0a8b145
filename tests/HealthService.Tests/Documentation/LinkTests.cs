namespace HealthService.Tests.Documentation;

/// <summary>Every relative link in README.md, CHANGELOG.md and docs/ leads to a file that exists, and to a heading in it.</summary>
public sealed class LinkTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("healthservice-links-").FullName;

    public static TheoryData<string> DocumentationFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in LinkChecker.DocumentationFiles(ConfigurationTests.RepositoryRoot()))
        {
            files.Add(file);
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(DocumentationFiles))]
    public void Every_relative_link_resolves(string file)
    {
        var broken = LinkChecker.BrokenLinks(ConfigurationTests.RepositoryRoot(), file);

        Assert.True(broken.Count == 0, $"{file} has {broken.Count} broken link(s):\n  " + string.Join("\n  ", broken));
    }

    [Fact]
    public void The_manual_and_the_front_door_are_all_checked()
    {
        var files = LinkChecker.DocumentationFiles(ConfigurationTests.RepositoryRoot());

        Assert.Contains("README.md", files);
        Assert.Contains("CHANGELOG.md", files);
        Assert.Contains("docs/configuration.md", files);
        Assert.Contains("docs/operations.md", files);
    }

    [Fact]
    public void A_missing_file_a_missing_anchor_and_a_way_out_of_the_repository_are_reported()
    {
        Write("docs/guide.md", """
            # Guide

            ## Set-up (`Health:Postgres:<name>`, critical by default)

            ## Twice

            ## Twice
            """);
        Write("README.md", """
            # Readme

            [fine](docs/guide.md#set-up-healthpostgresname-critical-by-default), [second](docs/guide.md#twice-1),
            [folder](docs), [outside](https://example.com/missing.md), [self](#readme)
            [no file](docs/none.md) and [no heading](docs/guide.md#nope) and [escape](../outside.md)
            | table | cell |
            | --- | --- |
            | [in a table](#nowhere) | x |

            `[in code](ignored.md)`

            ```md
            [in a fence](ignored.md)
            ```
            """);

        var broken = LinkChecker.BrokenLinks(_scratch, "README.md");

        Assert.Equal(4, broken.Count);
        Assert.Contains(broken, b => b.StartsWith("line 5: docs/none.md: no such file", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.StartsWith("line 5: docs/guide.md#nope: docs/guide.md has no heading", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.StartsWith("line 5: ../outside.md: leaves the repository", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.StartsWith("line 8: #nowhere: README.md has no heading", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Commands (`Health:Command:<name>`, non-critical by default)", "commands-healthcommandname-non-critical-by-default")]
    [InlineData("When /health is not OK", "when-health-is-not-ok")]
    [InlineData("Reading a probe's reason", "reading-a-probes-reason")]
    [InlineData("Resource probes: memory, CPU, disk", "resource-probes-memory-cpu-disk")]
    [InlineData("bench/: the performance record", "bench-the-performance-record")]
    [InlineData("**Bold** and _emphasis_ and [a link](x.md)", "bold-and-emphasis-and-a-link")]
    [InlineData("Flap damping: `FailuresBeforeUnhealthy`", "flap-damping-failuresbeforeunhealthy")]
    [InlineData("snake_case stays", "snake_case-stays")]
    public void Anchors_follow_GitHub_slug_rules(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownFile.Slug(heading));

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_scratch, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
