using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using HealthService.History;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Endpoints;

/// <summary>
/// Writes the history: <c>readiness</c>, the verdict's transitions (<c>at</c>, <c>from</c>, <c>to</c>,
/// <c>reason</c>, <c>probes</c> to blame); <c>probes</c>, each probe's results by name (<c>at</c>, <c>status</c>,
/// <c>durationMs</c>, and <c>raw</c> when flap damping held the probe's own status back); and what they are read
/// against: <c>status</c> and <c>since</c> (the verdict now and since when), <c>now</c>, <c>window</c>,
/// <c>maxEntries</c>. Times are UTC, oldest first.
/// </summary>
/// <remarks>
/// Streamed: the body is flushed every <see cref="FlushThreshold"/> bytes and each flush waits while the client is
/// behind, so a read holds that much of the body at a time, not the whole (over 100 MB at the largest history).
/// </remarks>
internal static class HistoryResponseWriter
{
    /// <summary>How much of the body is written before it is flushed to the client.</summary>
    public const int FlushThreshold = 16 * 1024;

    private static readonly JsonEncodedText At = JsonEncodedText.Encode("at");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText Raw = JsonEncodedText.Encode("raw");
    private static readonly JsonEncodedText DurationMs = JsonEncodedText.Encode("durationMs");

    public static async Task WriteAsync(Utf8JsonWriter json, PipeWriter body, HistorySnapshot history, int maxEntries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(history);
        var flushed = 0L;
        json.WriteStartObject();
        json.WriteStartArray("readiness");
        foreach (var transition in history.Transitions)
        {
            json.WriteStartObject();
            json.WriteString(At, transition.At.UtcDateTime);
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
            flushed = await FlushWhenFullAsync(json, body, flushed, cancellationToken).ConfigureAwait(false);
        }

        json.WriteEndArray();
        json.WriteStartObject("probes");
        foreach (var (name, results) in history.Probes)
        {
            json.WriteStartArray(name);
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString(At, result.At.UtcDateTime);
                json.WriteString(Status, Name(result.Status));
                json.WriteNumber(DurationMs, Math.Round(result.DurationMs, 1));
                if (result.Raw != result.Status)
                {
                    json.WriteString(Raw, Name(result.Raw));
                }

                json.WriteEndObject();
                flushed = await FlushWhenFullAsync(json, body, flushed, cancellationToken).ConfigureAwait(false);
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
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands what is written to the client once <see cref="FlushThreshold"/> bytes have gathered since the last time,
    /// waiting while the client is behind; returns where the body now stands flushed.
    /// </summary>
    private static async ValueTask<long> FlushWhenFullAsync(Utf8JsonWriter json, PipeWriter body, long flushed, CancellationToken cancellationToken)
    {
        var written = json.BytesCommitted + json.BytesPending;
        if (written - flushed < FlushThreshold)
        {
            return flushed;
        }

        json.Flush();
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }

    // Names, not Enum.ToString(): a cached string per status however many results.
    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "Healthy",
        HealthStatus.Degraded => "Degraded",
        HealthStatus.Unhealthy => "Unhealthy",
        _ => status.ToString(),
    };
}
