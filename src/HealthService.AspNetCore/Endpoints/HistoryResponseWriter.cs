using System.Globalization;
using System.Text.Json;
using HealthService.History;
using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>
/// Writes the history: <c>readiness</c>, the verdict's transitions (<c>at</c>, <c>from</c>, <c>to</c>,
/// <c>reason</c>, <c>probes</c> to blame); <c>probes</c>, each probe's results by name (<c>at</c>, <c>status</c>,
/// <c>durationMs</c>, and <c>raw</c> when flap damping held the probe's own status back); and what they are read
/// against: <c>status</c> and <c>since</c> (the verdict now and since when), <c>now</c>, <c>window</c>,
/// <c>maxEntries</c>. Times are UTC, oldest first.
/// </summary>
internal static class HistoryResponseWriter
{
    public static void Write(Utf8JsonWriter json, HistoryView history, int maxEntries)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(history);
        json.WriteStartObject();
        json.WriteStartArray("readiness");
        foreach (var transition in history.Transitions)
        {
            json.WriteStartObject();
            json.WriteString("at", transition.At.UtcDateTime);
            json.WriteString("from", ReadinessDecision.Name(transition.From));
            json.WriteString("to", ReadinessDecision.Name(transition.To));
            json.WriteString("reason", transition.Reason);
            json.WriteStartArray("probes");
            foreach (var probe in transition.Probes)
            {
                json.WriteStringValue(probe);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("probes");
        foreach (var (name, results) in history.Probes)
        {
            json.WriteStartArray(name);
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString("at", result.At.UtcDateTime);
                json.WriteString("status", result.Status.ToString());
                json.WriteNumber("durationMs", Math.Round(result.DurationMs, 1));
                if (result.Raw != result.Status)
                {
                    json.WriteString("raw", result.Raw.ToString());
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteString("status", ReadinessDecision.Name(history.Readiness));
        json.WriteString("since", history.Since.UtcDateTime);
        json.WriteString("now", history.Now.UtcDateTime);
        json.WriteString("window", history.Window.ToString("c", CultureInfo.InvariantCulture));
        json.WriteNumber("maxEntries", maxEntries);
        json.WriteEndObject();
    }
}
