using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Telemetry.CloudWatch;

/// <summary>What every document of one service carries: where its metrics go and who speaks.</summary>
/// <param name="Namespace">The CloudWatch namespace (<c>Health:Metrics:CloudWatch:Namespace</c>).</param>
/// <param name="ServiceName">The <c>ServiceName</c> dimension's value, already a valid dimension value.</param>
/// <param name="Instance">The instance identity, once known; a plain member, never a dimension (one metric per task would cost one custom metric per task).</param>
internal sealed record EmfSource(string Namespace, string ServiceName, string? Instance);

/// <summary>
/// Renders CloudWatch Embedded Metric Format documents, each one compact JSON object for one line of stdout.
/// </summary>
/// <remarks>
/// EMF allows one value per member, so a dimension has one value per document: <c>Ready</c> goes in a document of its
/// own with the <c>ServiceName</c> dimension, and each probe's <c>ProbeStatus</c> and <c>ProbeDuration</c> in one
/// document per probe with the <c>ServiceName</c> and <c>Probe</c> dimensions.
/// </remarks>
internal static class EmfDocument
{
    public const string ServiceNameDimension = "ServiceName";
    public const string ProbeDimension = "Probe";
    public const string Ready = "Ready";
    public const string ProbeStatus = "ProbeStatus";
    public const string ProbeDuration = "ProbeDuration";

    // Readable lines: nothing here is embedded in HTML, so only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The round's verdict: <c>Ready</c> 1 exactly when <c>/health</c> answers <c>200 OK</c>.</summary>
    public static string Round(EmfSource source, DateTimeOffset at, Readiness readiness) => Render(json =>
    {
        Metadata(json, source, at, [ServiceNameDimension], (Ready, "None"));
        json.WriteString(ServiceNameDimension, source.ServiceName);
        json.WriteNumber(Ready, readiness == Readiness.Ok ? 1 : 0);
        json.WriteString("Readiness", ReadinessDecision.Name(readiness));
        Common(json, source, "Round");
    });

    /// <summary>A change of the verdict, written as the loop publishes it, between rounds.</summary>
    public static string ReadinessChanged(EmfSource source, DateTimeOffset at, Readiness previous, Readiness current, IEnumerable<string> failingProbes) => Render(json =>
    {
        Metadata(json, source, at, [ServiceNameDimension], (Ready, "None"));
        json.WriteString(ServiceNameDimension, source.ServiceName);
        json.WriteNumber(Ready, current == Readiness.Ok ? 1 : 0);
        json.WriteString("Readiness", ReadinessDecision.Name(current));
        json.WriteString("PreviousReadiness", ReadinessDecision.Name(previous));
        json.WriteStartArray("FailingProbes");
        foreach (var probe in failingProbes)
        {
            json.WriteStringValue(probe);
        }

        json.WriteEndArray();
        Common(json, source, "ReadinessChanged");
    });

    /// <summary>
    /// One probe's reported status (<see cref="ProbeStatusValue"/>: 2 Healthy, 1 Degraded, 0 Unhealthy, as the meter
    /// reports it) and, when it has a result new since the last round, how long that took.
    /// </summary>
    /// <param name="durationMs">The new result's duration; null when the result is one already reported.</param>
    public static string Probe(EmfSource source, DateTimeOffset at, string probe, HealthStatus status, bool critical, double? durationMs) => Render(json =>
    {
        if (durationMs is null)
        {
            Metadata(json, source, at, [ServiceNameDimension, ProbeDimension], (ProbeStatus, "None"));
        }
        else
        {
            Metadata(json, source, at, [ServiceNameDimension, ProbeDimension], (ProbeStatus, "None"), (ProbeDuration, "Milliseconds"));
        }

        json.WriteString(ServiceNameDimension, source.ServiceName);
        json.WriteString(ProbeDimension, DimensionValue(probe));
        json.WriteNumber(ProbeStatus, ProbeStatusValue.Of(status));
        if (durationMs is { } duration)
        {
            json.WriteNumber(ProbeDuration, Math.Round(duration, 3));
        }

        json.WriteString("Status", status.ToString());
        json.WriteBoolean("Critical", critical);
        Common(json, source, "Probe");
    });

    /// <summary>
    /// A name made a valid CloudWatch dimension value: characters other than printable ASCII become <c>_</c>, at most
    /// 1024 of them, not all spaces. A value CloudWatch refuses would lose the whole document's metrics.
    /// </summary>
    public static string DimensionValue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (CloudWatchMetricsValidation.IsDimensionValue(name))
        {
            return name;
        }

        var value = new StringBuilder(Math.Min(name.Length, CloudWatchMetricsValidation.MaxDimensionValueLength));
        foreach (var c in name.AsSpan(0, Math.Min(name.Length, CloudWatchMetricsValidation.MaxDimensionValueLength)))
        {
            value.Append(c is >= ' ' and <= '~' ? c : '_');
        }

        return string.IsNullOrWhiteSpace(value.ToString()) ? "_" : value.ToString();
    }

    private static void Metadata(Utf8JsonWriter json, EmfSource source, DateTimeOffset at, string[] dimensions, params (string Name, string Unit)[] metrics)
    {
        json.WriteStartObject("_aws");
        json.WriteNumber("Timestamp", at.ToUnixTimeMilliseconds());
        json.WriteStartArray("CloudWatchMetrics");
        json.WriteStartObject();
        json.WriteString("Namespace", source.Namespace);
        json.WriteStartArray("Dimensions");
        json.WriteStartArray();
        foreach (var dimension in dimensions)
        {
            json.WriteStringValue(dimension);
        }

        json.WriteEndArray();
        json.WriteEndArray();
        json.WriteStartArray("Metrics");
        foreach (var (name, unit) in metrics)
        {
            json.WriteStartObject();
            json.WriteString("Name", name);
            json.WriteString("Unit", unit);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Plain members, not metrics or dimensions: for CloudWatch Logs Insights.</summary>
    private static void Common(Utf8JsonWriter json, EmfSource source, string kind)
    {
        json.WriteString("Event", kind);
        if (source.Instance is { } instance)
        {
            json.WriteString("Instance", instance);
        }
    }

    private static string Render(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
