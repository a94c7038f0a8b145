using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Alerts.Formats;

/// <summary>
/// <c>teams</c>: the message a Teams workflow ("Post to a channel when a webhook request is received") posts: one
/// attachment carrying an Adaptive Card 1.4 with a headline, the readiness, service, instance and time as facts, and
/// the probes that changed with their reasons.
/// </summary>
/// <remarks>
/// Teams refuses messages over about 28 KB, so the card shows at most <see cref="MaxProbes"/> probes, each name and
/// reason shortened, and says how many it left out: the largest card stays far below that.
/// </remarks>
internal sealed class TeamsAlertFormat : IAlertFormat
{
    public static readonly TeamsAlertFormat Instance = new();

    internal const string CardSchema = "http://adaptivecards.io/schemas/adaptive-card.json";
    internal const string CardVersion = "1.4";
    internal const int MaxProbes = 20;
    internal const int MaxText = 500;

    public byte[] Render(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return AlertBody.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("type", "message");
            json.WriteStartArray("attachments");
            json.WriteStartObject();
            json.WriteString("contentType", "application/vnd.microsoft.card.adaptive");
            json.WriteStartObject("content");
            json.WriteString("$schema", CardSchema);
            json.WriteString("type", "AdaptiveCard");
            json.WriteString("version", CardVersion);
            json.WriteString("fallbackText", AlertBody.Truncate(alert.Text, MaxText));
            json.WriteStartArray("body");

            json.WriteStartObject();
            json.WriteString("type", "TextBlock");
            json.WriteString("text", AlertBody.Truncate(AlertBody.Headline(alert), MaxText));
            json.WriteString("size", "large");
            json.WriteString("weight", "bolder");
            json.WriteString("color", Color(alert));
            json.WriteBoolean("wrap", true);
            json.WriteEndObject();

            FactSet(json, [
                ("Readiness", AlertBody.Readiness(alert)),
                ("Service", alert.Service),
                ("Instance", alert.Instance),
                ("Since", AlertBody.Readable(alert.Time)),
            ]);

            if (alert.Probes.Count > 0)
            {
                json.WriteStartObject();
                json.WriteString("type", "TextBlock");
                json.WriteString("text", "Probes");
                json.WriteString("weight", "bolder");
                json.WriteBoolean("separator", true);
                json.WriteBoolean("wrap", true);
                json.WriteEndObject();

                FactSet(json, alert.Probes.Take(MaxProbes).Select(probe => (probe.Name, AlertBody.Change(probe))));
            }

            if (alert.Probes.Count > MaxProbes)
            {
                json.WriteStartObject();
                json.WriteString("type", "TextBlock");
                json.WriteString("text", AlertBody.NotShown(alert.Probes.Count - MaxProbes));
                json.WriteBoolean("isSubtle", true);
                json.WriteBoolean("wrap", true);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static string Color(AlertEvent alert) => alert.Status switch
    {
        AlertEvent.NotReady when AlertBody.IsPlanned(alert) => "accent",
        AlertEvent.NotReady => "attention",
        _ when alert.Probes.Any(p => p.Status != nameof(HealthStatus.Healthy)) => "warning",
        _ => "good",
    };

    private static void FactSet(Utf8JsonWriter json, IEnumerable<(string Title, string Value)> facts)
    {
        json.WriteStartObject();
        json.WriteString("type", "FactSet");
        json.WriteStartArray("facts");
        foreach (var (title, value) in facts)
        {
            json.WriteStartObject();
            json.WriteString("title", AlertBody.Truncate(title, MaxText));
            json.WriteString("value", AlertBody.Truncate(value, MaxText));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
