using HealthService.Configuration;
using Microsoft.Extensions.Configuration;

namespace HealthService.Tests.Alerts;

/// <summary>What start-up says about <c>Format</c>, <c>RoutingKey</c> and the URLs each format accepts.</summary>
public sealed class AlertFormatConfigurationTests
{
    private const string Secret = "hunter2";

    [Theory]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.example.com/hunter2|Health:Alerts:Webhooks:chat:Format=markdown",
        "Health:Alerts:Webhooks:chat:Format must be one of json, slack, teams, pagerduty.")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.example.com/hunter2|Health:Alerts:Webhooks:chat:Format=hunter2",
        "Health:Alerts:Webhooks:chat:Format must be one of json, slack, teams, pagerduty.")]
    [InlineData("Health:Alerts:Webhooks:pd:Format=pagerduty",
        "Health:Alerts:Webhooks:pd:RoutingKey is required for the pagerduty format")]
    [InlineData("Health:Alerts:Webhooks:pd:Format=pagerduty|Health:Alerts:Webhooks:pd:RoutingKey= ",
        "Health:Alerts:Webhooks:pd:RoutingKey is required for the pagerduty format")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=http://hooks.slack.com/services/hunter2|Health:Alerts:Webhooks:chat:Format=slack",
        "Health:Alerts:Webhooks:chat:Url must be an https URL for the slack format (http only to a loopback address).")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=http://10.0.0.5/workflows/hunter2|Health:Alerts:Webhooks:chat:Format=teams",
        "Health:Alerts:Webhooks:chat:Url must be an https URL for the teams format (http only to a loopback address).")]
    [InlineData("Health:Alerts:Webhooks:pd:Url=http://events.example.com/hunter2|Health:Alerts:Webhooks:pd:Format=pagerduty|Health:Alerts:Webhooks:pd:RoutingKey=hunter2-key",
        "Health:Alerts:Webhooks:pd:Url must be an https URL for the pagerduty format (http only to a loopback address).")]
    [InlineData("Health:Alerts:Webhooks:chat:Format=slack",
        "Health:Alerts:Webhooks:chat:Url must be an absolute http or https URL.")]
    [InlineData("Health:Alerts:Webhooks:ops:Url=https://hooks.example.com/x|Health:Alerts:Webhooks:ops:RoutingKey=hunter2-key",
        "Health:Alerts:Webhooks:ops:RoutingKey is only used by the pagerduty format (Format is json).")]
    public void A_bad_format_setting_stops_start_up_naming_the_key_and_no_secret(string settings, string expected)
    {
        var error = ErrorFor(settings);

        Assert.NotNull(error);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
        Assert.DoesNotContain("://", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.slack.com/services/T000/B000/XXXX|Health:Alerts:Webhooks:chat:Format=slack")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke|Health:Alerts:Webhooks:chat:Format=Teams")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=http://127.0.0.1:8081/hook|Health:Alerts:Webhooks:chat:Format=slack")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=http://localhost:8081/hook|Health:Alerts:Webhooks:chat:Format=teams")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=http://[::1]:8081/hook|Health:Alerts:Webhooks:chat:Format=slack")]
    [InlineData("Health:Alerts:Webhooks:pd:Format=pagerduty|Health:Alerts:Webhooks:pd:RoutingKey=R0123456789abcdef0123456789abcdef")]
    [InlineData("Health:Alerts:Webhooks:ops:Url=http://alerts.internal/events|Health:Alerts:Webhooks:ops:Format=json")]
    [InlineData("Health:Alerts:Webhooks:ops:Url=http://alerts.internal/events")]
    public void Well_formed_format_settings_are_accepted(string settings) => Assert.Null(ErrorFor(settings));

    private static string? ErrorFor(string settings) => ConfigurationGuard.FindError(new ConfigurationBuilder()
        .AddInMemoryCollection(settings.Split('|').Select(pair => pair.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])))
        .Build());
}
