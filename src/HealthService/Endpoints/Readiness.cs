using HealthService.Lifecycle;
using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>What <c>/health</c> answers, and the <c>readiness</c> field of <c>/health/details</c>.</summary>
internal enum Readiness
{
    Ok,
    Unhealthy,
    Starting,
    Draining,
}

internal static class ReadinessDecision
{
    /// <summary>
    /// Draining wins over everything; before the first snapshot the service is starting; a snapshot nobody has
    /// refreshed for too long means the evaluation loop is stuck, which is no basis for OK.
    /// </summary>
    public static Readiness Of(HealthSnapshot? snapshot, DrainState drain, TimeProvider time) =>
        drain.IsDraining ? Readiness.Draining
        : snapshot is null ? Readiness.Starting
        : time.GetTimestamp() <= snapshot.StaleAfterTimestamp && snapshot.IsReady ? Readiness.Ok
        : Readiness.Unhealthy;
}
