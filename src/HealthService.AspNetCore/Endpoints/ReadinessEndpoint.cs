using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health</c>: the load balancer's readiness check. It reads the latest snapshot and awaits nothing, so it
/// answers in microseconds whatever the dependencies are doing. Every <c>503</c> carries <c>Retry-After</c>: the
/// seconds until the answer can next change.
/// </summary>
internal sealed class ReadinessEndpoint(HealthSnapshotStore store, ReadinessDecision readiness)
{
    public Task HandleAsync(HttpContext context)
    {
        var snapshot = store.Current;
        var verdict = readiness.Of(snapshot);
        if (verdict == Readiness.Ok)
        {
            return PlainTextResponse.WriteAsync(context, StatusCodes.Status200OK, PlainTextResponse.Ok);
        }

        var body = verdict switch
        {
            Readiness.Starting => PlainTextResponse.Starting,
            Readiness.Draining => PlainTextResponse.Draining,
            Readiness.Stale => PlainTextResponse.Stale,
            Readiness.Maintenance => PlainTextResponse.Maintenance,
            _ => PlainTextResponse.Unhealthy,
        };
        return PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, body, readiness.RetryAfter(verdict, snapshot));
    }
}
