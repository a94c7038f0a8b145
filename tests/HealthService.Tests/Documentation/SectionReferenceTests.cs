using System.Text.RegularExpressions;

namespace HealthService.Tests.Documentation;

/// <summary>
/// A reference to a section of a document is something the link test can check: a Markdown link with its anchor in
/// the documents, <c>docs/x.md#anchor</c> in templates, scripts and code, where no link can be written. "See the
/// README (Configuration)" goes stale without anyone noticing when the section moves.
/// </summary>
public sealed partial class SectionReferenceTests
{
    private static string Root => ConfigurationTests.RepositoryRoot();

    /// <summary>The files outside the manual that refer readers to it: templates, scripts, the Dockerfile, samples.</summary>
    public static TheoryData<string> ReferringFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in new[] { "deploy", "samples", "scripts", "bench", "src" }
                     .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*", SearchOption.AllDirectories))
                     .Where(path => Path.GetExtension(path) is ".yaml" or ".sh" or ".cs" or ".json" or ".Containerfile" || Path.GetFileName(path) == "Dockerfile")
                     .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
                     // Build output and what scripts leave behind (bench/.out, node_modules) are not the project's text.
                     .Where(path => !path.Split('/').Any(segment => segment.StartsWith('.') || segment is "bin" or "obj" or "node_modules"))
                     .Append("Dockerfile")
                     .Order(StringComparer.Ordinal))
        {
            files.Add(file);
        }

        return files;
    }

    public static TheoryData<string> Documents()
    {
        var files = new TheoryData<string>();
        foreach (var file in LinkChecker.DocumentationFiles(Root).Where(file => file != "CHANGELOG.md").Append("deploy/aws/README.md"))
        {
            files.Add(file);
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void A_document_refers_to_a_section_with_a_link(string file)
    {
        var unlinked = File.ReadAllLines(Path.Combine(Root, file))
            .Select((line, index) => (Text: CodeSpan().Replace(InlineLink().Replace(line, ""), ""), Line: index + 1))
            .SelectMany(line => UnlinkedSectionReference().Matches(line.Text).Select(match => $"line {line.Line}: {match.Value}"))
            .ToList();

        Assert.True(unlinked.Count == 0, $"{file} names sections without a link the link test could check:\n  " + string.Join("\n  ", unlinked));
    }

    [Theory]
    [MemberData(nameof(ReferringFiles))]
    public void Templates_scripts_and_code_refer_to_a_section_by_a_path_and_anchor_that_exist(string file)
    {
        var text = File.ReadAllLines(Path.Combine(Root, file));
        var problems = new List<string>();
        for (var i = 0; i < text.Length; i++)
        {
            problems.AddRange(UnlinkedSectionReference().Matches(text[i]).Select(match => $"line {i + 1}: {match.Value}: write docs/x.md#anchor"));
            foreach (Match reference in AnchoredPath().Matches(text[i]))
            {
                var path = reference.Groups["path"].Value;
                var target = new[] { Path.Combine(Root, path), Path.Combine(Root, Path.GetDirectoryName(file) ?? "", path) }
                    .Select(Path.GetFullPath).FirstOrDefault(File.Exists);
                if (target is null)
                {
                    problems.Add($"line {i + 1}: {reference.Value}: no such file");
                }
                else if (!MarkdownFile.Load(Root, Path.GetRelativePath(Root, target)).Anchors.Contains(reference.Groups["anchor"].Value))
                {
                    problems.Add($"line {i + 1}: {reference.Value}: no such heading");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{file}:\n  " + string.Join("\n  ", problems));
    }

    [Theory]
    [InlineData("see the README (Configuration)", true)]
    [InlineData("docs/configuration.md (HTTP dependencies) says", true)]
    [InlineData("see the instance identity section of the README", true)]
    [InlineData("see Logging in the README", true)]
    [InlineData("[configuration.md](configuration.md#http-dependencies)", false)]
    [InlineData("the section of your configuration that the library reads", false)]
    public void Section_references_without_a_link_are_recognised(string text, bool unlinked) =>
        Assert.Equal(unlinked, UnlinkedSectionReference().IsMatch(InlineLink().Replace(text, "")));

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    // "README (Configuration)", "configuration.md (HTTP dependencies)", "the X section of the README", "see X in the README".
    [GeneratedRegex(@"(?:\b[\w./-]+\.md|\bREADME)\s+\((?!e\.g\.)[A-Z][^)]*\)|\bsection of (?:the )?(?:README|[\w./-]+\.md)\b|\bsee [A-Z][\w ]* in (?:the )?(?:README|[\w./-]+\.md)\b")]
    private static partial Regex UnlinkedSectionReference();

    [GeneratedRegex(@"(?<path>[\w./-]+\.md)#(?<anchor>[\w-]+)")]
    private static partial Regex AnchoredPath();
}
