using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Alerts.Formats;

/// <summary>
/// <c>slack</c>: an incoming-webhook message. <c>text</c> is the fallback that notifications show; the blocks give a
/// header, the readiness, service, instance and time as fields, then one section per probe that changed, with its
/// reason. Every text stays within Slack's documented Block Kit limits; when the probes do not fit in the 50 blocks,
/// the last block says how many were left out.
/// </summary>
internal sealed class SlackAlertFormat : IAlertFormat
{
    public static readonly SlackAlertFormat Instance = new();

    // https://docs.slack.dev/reference/block-kit/blocks: per message, per header, per section text and field.
    internal const int MaxBlocks = 50;
    internal const int MaxHeaderText = 150;
    internal const int MaxSectionText = 3000;
    internal const int MaxFields = 10;
    internal const int MaxFieldText = 2000;

    // Slack cuts a longer top-level text; notifications show far less.
    internal const int MaxFallbackText = 3000;

    // The header and the fields section come first.
    private const int LeadingBlocks = 2;

    public byte[] Render(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return AlertBody.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("text", Mrkdwn(alert.Text, MaxFallbackText));
            json.WriteStartArray("blocks");

            json.WriteStartObject();
            json.WriteString("type", "header");
            json.WriteStartObject("text");
            json.WriteString("type", "plain_text");
            json.WriteString("text", AlertBody.Truncate($"{Icon(alert)} {AlertBody.Headline(alert)}", MaxHeaderText));
            json.WriteBoolean("emoji", true);
            json.WriteEndObject();
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", "section");
            json.WriteStartArray("fields");
            Field(json, "Readiness", AlertBody.Readiness(alert));
            Field(json, "Service", alert.Service);
            Field(json, "Instance", alert.Instance);
            Field(json, "Since", Date(alert.Time), escape: false);
            json.WriteEndArray();
            json.WriteEndObject();

            var room = MaxBlocks - LeadingBlocks;
            var shown = alert.Probes.Count <= room ? alert.Probes.Count : room - 1; // the last block says how many more
            foreach (var probe in alert.Probes.Take(shown))
            {
                json.WriteStartObject();
                json.WriteString("type", "section");
                json.WriteStartObject("text");
                json.WriteString("type", "mrkdwn");
                json.WriteString("text", Mrkdwn($"*{probe.Name}* {probe.Status} (was {probe.PreviousStatus})\n{probe.Reason}", MaxSectionText));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            if (alert.Probes.Count > shown)
            {
                json.WriteStartObject();
                json.WriteString("type", "context");
                json.WriteStartArray("elements");
                json.WriteStartObject();
                json.WriteString("type", "mrkdwn");
                json.WriteString("text", AlertBody.NotShown(alert.Probes.Count - shown));
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static string Icon(AlertEvent alert) => alert.Status switch
    {
        AlertEvent.NotReady when AlertBody.IsPlanned(alert) => ":large_blue_circle:",
        AlertEvent.NotReady => ":red_circle:",
        _ when alert.Probes.Any(p => p.Status != nameof(HealthStatus.Healthy)) => ":large_yellow_circle:",
        _ => ":large_green_circle:",
    };

    /// <summary>A field: a bold label over its value, escaped and short enough for the field's limit.</summary>
    private static void Field(Utf8JsonWriter json, string label, string value, bool escape = true)
    {
        var heading = $"*{label}*\n";
        json.WriteStartObject();
        json.WriteString("type", "mrkdwn");
        json.WriteString("text", heading + (escape ? Mrkdwn(value, MaxFieldText - heading.Length) : value));
        json.WriteEndObject();
    }

    /// <summary>Slack shows the time in each reader's own time zone, and the UTC text where it cannot.</summary>
    private static string Date(DateTime utc)
    {
        var seconds = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();
        return $"<!date^{seconds}^{{date_short_pretty}} {{time_secs}}|{AlertBody.Readable(utc)}>";
    }

    /// <summary>
    /// Text escaped as Slack's mrkdwn requires (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>: a reason could otherwise form
    /// a link or a mention), then bounded to <paramref name="max"/> without cutting an escape in two.
    /// </summary>
    internal static string Mrkdwn(string raw, int max)
    {
        var escaped = raw.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
        if (escaped.Length <= max)
        {
            return escaped;
        }

        var cut = max - AlertBody.Ellipsis.Length;
        var entity = escaped.LastIndexOf('&', cut - 1);
        if (entity >= 0 && escaped.IndexOf(';', entity) >= cut)
        {
            cut = entity; // "&am" would show as text
        }

        if (cut > 0 && char.IsHighSurrogate(escaped[cut - 1]))
        {
            cut--;
        }

        return string.Concat(escaped.AsSpan(0, cut), AlertBody.Ellipsis);
    }
}
