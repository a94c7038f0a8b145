using System.Text.Json;

namespace HealthService.Tests.Telemetry;

/// <summary>Reads the members of an EMF document that the tests look at; absent members read as null.</summary>
internal static class EmfMembers
{
    public static string? Text(this JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static double? Number(this JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public static string? Event(this JsonElement document) => document.Text("Event");

    public static bool IsRound(this JsonElement document, int ready, string readiness) =>
        document.Event() == "Round" && document.Number("Ready") == ready && document.Text("Readiness") == readiness;

    public static bool IsChange(this JsonElement document, string from, string to) =>
        document.Event() == "ReadinessChanged" && document.Text("PreviousReadiness") == from && document.Text("Readiness") == to;

    public static bool IsChangeTo(this JsonElement document, string to) =>
        document.Event() == "ReadinessChanged" && document.Text("Readiness") == to;

    public static bool IsProbe(this JsonElement document, string probe, int status) =>
        document.Event() == "Probe" && document.Text("Probe") == probe && document.Number("ProbeStatus") == status;

    /// <summary>The metric names the document declares in its one directive.</summary>
    public static IReadOnlyList<string> MetricNames(this JsonElement document) =>
        [.. document.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray().Select(m => m.GetProperty("Name").GetString()!)];

    /// <summary>The dimension sets the document declares in its one directive, each as "A,B".</summary>
    public static IReadOnlyList<string> DimensionSets(this JsonElement document) =>
        [.. document.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Dimensions").EnumerateArray()
            .Select(set => string.Join(',', set.EnumerateArray().Select(key => key.GetString())))];

    public static string? Namespace(this JsonElement document) =>
        document.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString();
}
