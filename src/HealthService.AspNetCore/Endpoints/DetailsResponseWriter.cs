using System.Globalization;
using System.Reflection;
using System.Text.Json;
using HealthService.Identity;
using HealthService.Lifecycle;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Endpoints;

/// <summary>
/// Writes a snapshot in the JSON shape HealthChecks UI clients read (that of AspNetCore.HealthChecks.UI.Client's
/// <c>UIResponseWriter</c>: <c>status</c>, <c>totalDuration</c>, <c>entries</c> with <c>data</c>,
/// <c>description</c>, <c>duration</c>, <c>status</c>, <c>tags</c>), plus <c>readiness</c> (what <c>/health</c>
/// answers), the service <c>version</c>, the snapshot's age and each result's <c>completedAt</c> and <c>age</c>, and the
/// <c>instance</c> (null while discovery is still running). Descriptions are already sanitised by the pipeline and
/// entries carry no exception.
/// </summary>
internal static class DetailsResponseWriter
{
    public static readonly string Version =
        typeof(DetailsResponseWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static void Write(Utf8JsonWriter json, HealthSnapshot? snapshot, string readiness, MaintenanceState.Window? maintenance, DateTimeOffset now, InstanceIdentity? instance = null)
    {
        json.WriteStartObject();
        json.WriteString("status", (snapshot?.Report.Status ?? HealthStatus.Unhealthy).ToString());
        json.WriteString("totalDuration", Format(snapshot?.Report.TotalDuration ?? TimeSpan.Zero));
        json.WriteStartObject("entries");
        foreach (var (name, entry) in snapshot?.Report.Entries ?? new Dictionary<string, HealthReportEntry>())
        {
            json.WriteStartObject(name);
            json.WriteStartObject("data");
            foreach (var (key, value) in entry.Data)
            {
                json.WritePropertyName(key);
                WriteValue(json, value);
            }

            json.WriteEndObject();
            json.WriteString("description", entry.Description);
            json.WriteString("duration", Format(entry.Duration));
            json.WriteString("status", entry.Status.ToString());
            json.WriteStartArray("tags");
            foreach (var tag in entry.Tags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
            if (snapshot!.RawResults.TryGetValue(name, out var raw))
            {
                // The probe's own latest result; status above is what is reported after flap damping.
                json.WriteStartObject("raw");
                json.WriteString("status", raw.Status.ToString());
                json.WriteString("description", raw.Description);
                json.WriteEndObject();
            }

            if (snapshot.ResultTimes.TryGetValue(name, out var completedAt))
            {
                json.WriteString("completedAt", completedAt);
                json.WriteString("age", Format(now - completedAt));
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteString("readiness", readiness);
        if (maintenance is not null)
        {
            json.WriteStartObject("maintenance");
            json.WriteString("reason", maintenance.Reason);
            json.WriteString("by", maintenance.By);
            json.WriteString("since", maintenance.Since);
            json.WriteString("until", maintenance.Until);
            json.WriteEndObject();
        }

        json.WriteString("version", Version);
        if (snapshot is not null)
        {
            json.WriteString("snapshotAge", Format(now - snapshot.CompletedAt));
            json.WriteString("snapshotCompletedAt", snapshot.CompletedAt);
        }

        WriteInstance(json, instance);
        json.WriteEndObject();
    }

    private static void WriteInstance(Utf8JsonWriter json, InstanceIdentity? instance)
    {
        if (instance is null)
        {
            json.WriteNull("instance");
            return;
        }

        json.WriteStartObject("instance");
        json.WriteString("id", instance.Id);
        json.WriteString("source", instance.Source);
        foreach (var (name, value) in new[]
        {
            ("platform", instance.Platform), ("availabilityZone", instance.AvailabilityZone), ("region", instance.Region),
            ("cluster", instance.Cluster), ("taskArn", instance.TaskArn),
        })
        {
            if (value is not null)
            {
                json.WriteString(name, value);
            }
        }

        json.WriteEndObject();
    }

    private static string Format(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                json.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case TimeSpan span:
                json.WriteStringValue(Format(span));
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
