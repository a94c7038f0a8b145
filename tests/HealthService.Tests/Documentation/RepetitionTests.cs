namespace HealthService.Tests.Documentation;

/// <summary>
/// Reference tables live in one document each, and the others link to them: two copies drift apart (they did: the
/// meter table, the EMF and gRPC keys).
/// </summary>
public sealed class RepetitionTests
{
    private static string Root => ConfigurationTests.RepositoryRoot();

    [Theory]
    [InlineData("key", "default", "docs/configuration.md")]
    [InlineData("instrument", "type", "docs/metrics.md")]
    public void A_reference_table_is_in_one_document(string firstColumn, string otherColumn, string home)
    {
        var holders = LinkChecker.DocumentationFiles(Root).Append("deploy/aws/README.md")
            .SelectMany(file => MarkdownFile.Load(Root, file).Tables
                .Where(table => table.Header.Count > 1 && table.Header[0] == firstColumn && table.Header.Contains(otherColumn))
                .Select(table => $"{file}:{table.Line}"))
            .ToList();

        Assert.NotEmpty(holders);
        Assert.All(holders, holder => Assert.True(holder.StartsWith(home + ":", StringComparison.Ordinal),
            $"a table of '{firstColumn}' and '{otherColumn}' at {holder}: it belongs in {home} only; link to it instead"));
    }
}
