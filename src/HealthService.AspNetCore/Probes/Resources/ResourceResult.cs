using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Resources;

internal static class ResourceResult
{
    /// <summary>
    /// Unhealthy usage is reported with the registration's failure status, as every health check reports
    /// failure, so a caller that registers the probe with <c>failureStatus: Degraded</c> gets Degraded.
    /// </summary>
    public static HealthCheckResult From(HealthStatus status, HealthCheckContext context, string description, IReadOnlyDictionary<string, object> data) =>
        status == HealthStatus.Unhealthy
            ? new HealthCheckResult(context.Registration.FailureStatus, description, data: data)
            : new HealthCheckResult(status, description, data: data);
}
