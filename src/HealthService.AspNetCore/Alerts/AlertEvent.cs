using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthService.Identity;

namespace HealthService.Alerts;

/// <summary>
/// What a receiver gets, as JSON: who is talking, the overall status and readiness word before and after, one line of
/// text for chat webhooks, and the critical probes whose status changed with their (already sanitised) reasons.
/// </summary>
/// <param name="Time">When the reported state was first seen (UTC); a catch-up event sent after a cool-down keeps it.</param>
/// <param name="PreviousStatus">The status in the last event sent, or <c>Starting</c> for the first.</param>
/// <param name="Status"><c>Ready</c> (<c>/health</c> answers 200) or <c>NotReady</c>.</param>
/// <param name="PreviousReadiness">The readiness word in the last event sent, or <c>Starting</c> for the first.</param>
/// <param name="Readiness">
/// The word <c>/health</c> answers, from the one readiness decision: <c>OK</c>, or why the instance is not ready
/// (<c>Unhealthy</c>, <c>Stale</c>, <c>Maintenance</c>, <c>Draining</c>), so a maintenance window never reads as an outage.
/// </param>
/// <param name="InstanceInfo">What is known of the instance besides its name (source, zone, region, ECS task); absent when unknown.</param>
internal sealed record AlertEvent(
    string Service,
    string Instance,
    DateTime Time,
    string PreviousStatus,
    string Status,
    string PreviousReadiness,
    string Readiness,
    string Text,
    IReadOnlyList<AlertProbeChange> Probes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] InstanceIdentity? InstanceInfo = null)
{
    public const string Starting = "Starting";
    public const string Ready = "Ready";
    public const string NotReady = "NotReady";

    private static readonly AlertJsonContext Json = new(new JsonSerializerOptions(AlertJsonContext.Default.Options)
    {
        // The body is never embedded in HTML; keep "->" and non-ASCII probe reasons readable in chat clients and logs.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary><c>Ready</c>, <c>Starting</c>, or <c>NotReady: Maintenance</c>: the status, with the word that says why when not ready.</summary>
    public static string Describe(string status, string readiness) =>
        status == NotReady ? $"{status}: {readiness}" : status;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json.AlertEvent);
}

/// <summary>One critical probe whose status changed since the last event sent.</summary>
/// <param name="PreviousStatus"><c>Healthy</c>, <c>Degraded</c>, <c>Unhealthy</c>, or <c>Starting</c> in the first event.</param>
internal sealed record AlertProbeChange(string Name, string PreviousStatus, string Status, string Reason);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AlertEvent))]
internal sealed partial class AlertJsonContext : JsonSerializerContext;
