namespace HealthService.Endpoints;

public static class HealthEndpointsExtensions
{
    public const string ReadinessPath = "/health";
    public const string LivenessPath = "/health/live";

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// Maps <c>/health</c> (readiness) and <c>/health/live</c> (liveness). Routing answers other methods with
    /// <c>405</c> and an <c>Allow</c> header.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var readiness = ActivatorUtilities.CreateInstance<ReadinessEndpoint>(endpoints.ServiceProvider);
        endpoints.MapMethods(ReadinessPath, GetAndHead, new RequestDelegate(readiness.HandleAsync))
            .WithDisplayName("Readiness");

        // Liveness touches nothing but the process itself: if this answers, the process is serving.
        endpoints.MapMethods(LivenessPath, GetAndHead, context =>
                PlainTextResponse.WriteAsync(context, StatusCodes.Status200OK, PlainTextResponse.Ok))
            .WithDisplayName("Liveness");
        return endpoints;
    }
}
