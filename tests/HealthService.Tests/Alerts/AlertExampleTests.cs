using HealthService.Alerts;
using HealthService.Alerts.Formats;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Alerts;

/// <summary>
/// The example bodies in docs/alert-examples/ are what the formats render for one fixed event (indented for reading):
/// a change of format that is not reflected there fails here. <c>HEALTHSERVICE_UPDATE_EXAMPLES=1</c> rewrites them.
/// </summary>
public sealed class AlertExampleTests
{
    [Theory]
    [InlineData("json", "json.json")]
    [InlineData("slack", "slack.json")]
    [InlineData("teams", "teams.json")]
    [InlineData("pagerduty", "pagerduty.json")]
    public void The_documented_example_is_what_the_format_renders(string format, string file)
    {
        var webhook = new AlertWebhookOptions { Format = format, RoutingKey = format == "pagerduty" ? "YOUR_INTEGRATION_KEY" : null };
        var body = AlertFormats.For(webhook).Render(SampleAlerts.Failure());
        DocumentedExample.AssertJson($"docs/alert-examples/{file}", body, $"the {format} format");
    }
}
