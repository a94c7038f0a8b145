using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using HealthService.Pipeline;

namespace HealthService.Alerts.Formats;

/// <summary>What the vendor formats share: a JSON writer, text bounded to a vendor's limit, and how times read.</summary>
internal static class AlertBody
{
    /// <summary>What a shortened text ends with.</summary>
    public const string Ellipsis = "…";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Never embedded in HTML: keep arrows, quotes and non-ASCII probe reasons readable as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(json);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The text, or its start and an ellipsis, in at most <paramref name="max"/> UTF-16 units. Vendors count
    /// characters, and no character is shorter than one unit, so the bound holds for them too. A surrogate pair is
    /// never split.
    /// </summary>
    public static string Truncate(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - Ellipsis.Length;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), Ellipsis);
    }

    /// <summary>A time as people read it in a chat message: <c>2026-03-01 12:00:05 UTC</c>.</summary>
    public static string Readable(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC with milliseconds: <c>2026-03-01T12:00:05.123Z</c>.</summary>
    public static string Iso8601(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The status line every chat format leads with: <c>orders on orders-1 is NotReady: Unhealthy</c>.</summary>
    public static string Headline(AlertEvent alert) => $"{alert.Service} on {alert.Instance} is {AlertEvent.Describe(alert.Status, alert.Readiness)}";

    /// <summary>
    /// <c>NotReady: Maintenance (was Ready)</c>, or <c>NotReady: Unhealthy (still)</c> for a catch-up about probes only.
    /// </summary>
    public static string Readiness(AlertEvent alert)
    {
        var now = AlertEvent.Describe(alert.Status, alert.Readiness);
        var was = AlertEvent.Describe(alert.PreviousStatus, alert.PreviousReadiness);
        return was == now ? $"{now} (still)" : $"{now} (was {was})";
    }

    /// <summary>
    /// Not ready because an operator said so (maintenance) or the instance is stopping (a drain): planned, so the chat
    /// formats colour it as information and PagerDuty does not give it the severity of an outage.
    /// </summary>
    public static bool IsPlanned(AlertEvent alert) =>
        alert.Status == AlertEvent.NotReady
        && (alert.Readiness == ReadinessDecision.Name(Pipeline.Readiness.Maintenance) || alert.Readiness == ReadinessDecision.Name(Pipeline.Readiness.Draining));

    /// <summary><c>Unhealthy (was Healthy): timed out after 2 s</c>.</summary>
    public static string Change(AlertProbeChange probe) => $"{probe.Status} (was {probe.PreviousStatus}): {probe.Reason}";

    /// <summary><c>1 more probe not shown</c>.</summary>
    public static string NotShown(int count) => count == 1 ? "1 more probe not shown" : $"{count} more probes not shown";
}
