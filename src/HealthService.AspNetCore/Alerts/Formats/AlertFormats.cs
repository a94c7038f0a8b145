namespace HealthService.Alerts.Formats;

/// <summary>The values of <c>Health:Alerts:Webhooks:&lt;name&gt;:Format</c>, and the formatter each one selects.</summary>
internal static class AlertFormats
{
    public const string Json = "json";
    public const string Slack = "slack";
    public const string Teams = "teams";
    public const string PagerDuty = "pagerduty";

    public static readonly IReadOnlyList<string> Names = [Json, Slack, Teams, PagerDuty];

    /// <summary>The configured name in its canonical (lower-case) spelling, or null when it names no format.</summary>
    public static string? Canonical(string? format) =>
        Names.FirstOrDefault(name => string.Equals(name, format?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Formats whose credential travels with every request (the Slack and Teams URL, the PagerDuty routing key), so
    /// they must not go in clear: https, or http only to a loopback address.
    /// </summary>
    public static bool NeedsHttps(string format) => format is Slack or Teams or PagerDuty;

    /// <summary>Where events go when <c>Url</c> is not set: only PagerDuty has one address for everybody.</summary>
    public static string? DefaultUrl(string format) => format == PagerDuty ? PagerDutyAlertFormat.EventsUrl : null;

    /// <summary>The receiver's URL: the configured one, else the format's default. Validation has ensured there is one.</summary>
    public static Uri UrlOf(AlertWebhookOptions webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return new Uri(webhook.Url ?? DefaultUrl(Canonical(webhook.Format) ?? Json)!, UriKind.Absolute);
    }

    /// <summary>The formatter of a validated receiver.</summary>
    public static IAlertFormat For(AlertWebhookOptions webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return Canonical(webhook.Format) switch
        {
            Slack => SlackAlertFormat.Instance,
            Teams => TeamsAlertFormat.Instance,
            PagerDuty => new PagerDutyAlertFormat(webhook.RoutingKey!),
            _ => JsonAlertFormat.Instance,
        };
    }
}
