namespace HealthService.Endpoints;

public static class HealthEndpointsExtensions
{
    public const string ReadinessPath = "/health";
    public const string LivenessPath = "/health/live";
    public const string DetailsPath = "/health/details";

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// Maps <c>/health</c> (readiness), <c>/health/live</c> (liveness) and <c>/health/details</c> (the protected
    /// detailed view). Routing answers other methods on the first two with <c>405</c> and an <c>Allow</c> header.
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

        // Every method, so that a caller it does not admit gets the same 404 as on an unknown path (not a 405).
        var details = ActivatorUtilities.CreateInstance<DetailsEndpoint>(endpoints.ServiceProvider);
        endpoints.Map(DetailsPath, new RequestDelegate(details.HandleAsync)).WithDisplayName("Details");
        return endpoints;
    }
}
