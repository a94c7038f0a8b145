using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health</c>: the load balancer's readiness check. It reads the latest snapshot and awaits nothing, so it
/// answers in microseconds whatever the dependencies are doing.
/// </summary>
internal sealed class ReadinessEndpoint(ReadinessDecision readiness)
{
    public Task HandleAsync(HttpContext context) => readiness.Current switch
    {
        Readiness.Ok => PlainTextResponse.WriteAsync(context, StatusCodes.Status200OK, PlainTextResponse.Ok),
        Readiness.Starting => PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Starting),
        Readiness.Draining => PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Draining),
        Readiness.Stale => PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Stale),
        _ => PlainTextResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, PlainTextResponse.Unhealthy),
    };
}
