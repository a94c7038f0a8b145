using HealthService.Lifecycle;
using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health</c>: the load balancer's readiness check. It reads the latest snapshot and awaits nothing, so it
/// answers in microseconds whatever the dependencies are doing.
/// </summary>
internal sealed class ReadinessEndpoint(HealthSnapshotStore store, DrainState drain, TimeProvider time)
{
    public Task HandleAsync(HttpContext context)
    {
        if (drain.IsDraining)
        {
            return PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Draining);
        }

        var snapshot = store.Current;
        if (snapshot is null)
        {
            return PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Starting);
        }

        // A snapshot nobody has refreshed for too long means the evaluation loop is stuck: not a basis for "OK".
        var fresh = time.GetTimestamp() <= snapshot.StaleAfterTimestamp;
        return fresh && snapshot.IsReady
            ? PlainTextResponse.WriteAsync(context, StatusCodes.Status200OK, PlainTextResponse.Ok)
            : PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Unhealthy);
    }
}
