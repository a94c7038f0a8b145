using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthService.Alerts;
using HealthService.Alerts.Formats;

namespace HealthService.Tests.Alerts;

/// <summary>
/// The example bodies in docs/alert-examples/ are what the formats render for one fixed event (indented for reading):
/// a change of format that is not reflected there fails here. <c>HEALTHSERVICE_UPDATE_EXAMPLES=1</c> rewrites them.
/// </summary>
public sealed class AlertExampleTests
{
    private const string UpdateVariable = "HEALTHSERVICE_UPDATE_EXAMPLES";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Theory]
    [InlineData("json", "json.json")]
    [InlineData("slack", "slack.json")]
    [InlineData("teams", "teams.json")]
    [InlineData("pagerduty", "pagerduty.json")]
    public void The_documented_example_is_what_the_format_renders(string format, string file)
    {
        var webhook = new AlertWebhookOptions { Format = format, RoutingKey = format == "pagerduty" ? "YOUR_INTEGRATION_KEY" : null };
        var body = AlertFormats.For(webhook).Render(SampleAlerts.Failure());
        var rendered = JsonNode.Parse(body)!.ToJsonString(Indented) + "\n";
        var path = Path.Combine(ConfigurationTests.RepositoryRoot(), "docs", "alert-examples", file);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, rendered, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        var committed = File.Exists(path) ? File.ReadAllText(path) : "(missing)";
        Assert.True(
            committed == rendered,
            $"docs/alert-examples/{file} is not what the {format} format renders now. If the change is intended, run the tests "
            + $"with {UpdateVariable}=1 to rewrite it, and review the diff.\nRendered:\n{rendered}");
    }
}
