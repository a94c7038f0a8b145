using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Telemetry;

/// <summary>
/// The one number a probe's status is reported as, by the meter (<c>healthservice.probe.status</c>) and in
/// CloudWatch EMF (<c>ProbeStatus</c>): 2 Healthy, 1 Degraded, 0 Unhealthy.
/// </summary>
/// <remarks>
/// These are <see cref="HealthStatus"/>'s own values, which OpenTelemetry users of the meter already read, and higher
/// is better, as with <c>Ready</c> (1 ready, 0 not): an alarm on either reads <c>Minimum</c> below a threshold.
/// </remarks>
internal static class ProbeStatusValue
{
    public static int Of(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => 2,
        HealthStatus.Degraded => 1,
        _ => 0,
    };
}
