using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// Example files under docs/ that the service's own output produces: a test fails when the output changes and the
/// file does not, and <c>HEALTHSERVICE_UPDATE_EXAMPLES=1</c> rewrites the files instead of checking them.
/// </summary>
internal static class DocumentedExample
{
    public const string UpdateVariable = "HEALTHSERVICE_UPDATE_EXAMPLES";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable "->" and non-ASCII, as the docs show them
    };

    /// <inheritdoc cref="AssertJson(string, string, string)"/>
    public static void AssertJson(string relativePath, byte[] utf8Json, string what) =>
        AssertJson(relativePath, Encoding.UTF8.GetString(utf8Json), what);

    /// <summary>Checks (or rewrites) <paramref name="relativePath"/> against the JSON <paramref name="json"/>, indented for reading.</summary>
    /// <param name="what">What renders it, for the failure message, e.g. "the slack format".</param>
    public static void AssertJson(string relativePath, string json, string what)
    {
        var rendered = JsonNode.Parse(json)!.ToJsonString(Indented) + "\n";
        var path = Path.Combine(ConfigurationTests.RepositoryRoot(), relativePath);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, rendered, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        var committed = File.Exists(path) ? File.ReadAllText(path) : "(missing)";
        Assert.True(
            committed == rendered,
            $"{relativePath} is not what {what} renders now. If the change is intended, run the tests with "
            + $"{UpdateVariable}=1 to rewrite it, and review the diff.\nRendered:\n{rendered}");
    }
}
