using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>The README is the front door: short, and its two commands are the ones that work and that CI runs.</summary>
public sealed partial class ReadmeTests
{
    private const int MaxBytes = 15 * 1024;

    private static string Root => ConfigurationTests.RepositoryRoot();

    [Fact]
    public void The_readme_is_at_most_15_KB()
    {
        var size = new FileInfo(Path.Combine(Root, "README.md")).Length;

        Assert.True(size <= MaxBytes, $"README.md is {size} bytes, more than {MaxBytes}: move detail into docs/ and link to it.");
    }

    [Fact]
    public void The_readme_gives_the_test_command_that_ci_runs()
    {
        var ci = File.ReadAllLines(Path.Combine(Root, ".ci", "run"));
        var command = ci.Select(line => ExecLine().Match(line)).Single(match => match.Success).Groups["command"].Value.Trim();

        Assert.Equal("./scripts/test.sh", command);
        Assert.True(File.Exists(Path.Combine(Root, "scripts", "test.sh")), "scripts/test.sh does not exist");
        Assert.Contains(CodeLines(), line => line == command || line.StartsWith(command + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_readme_gives_the_command_that_runs_the_service()
    {
        var runs = CodeLines().Where(line => line.StartsWith("dotnet run --project ", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(runs);
        foreach (var run in runs)
        {
            var project = run["dotnet run --project ".Length..].Split(' ')[0];
            Assert.True(File.Exists(Path.Combine(Root, project, Path.GetFileName(project) + ".csproj")), $"{project} is not a project");
        }
    }

    /// <summary>The lines of the README's fenced code blocks, without their shell prompt.</summary>
    private static List<string> CodeLines()
    {
        var lines = new List<string>();
        var inside = false;
        foreach (var line in File.ReadAllLines(Path.Combine(Root, "README.md")))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inside = !inside;
            }
            else if (inside)
            {
                lines.Add(line.Trim().TrimStart('$').Trim());
            }
        }

        return lines;
    }

    [GeneratedRegex(@"^\s*exec\s+(?<command>.+)$")]
    private static partial Regex ExecLine();
}
