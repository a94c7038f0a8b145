using HealthService.Endpoints;
using HealthService.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps HealthService's endpoints: <c>app.MapHealthService()</c>.</summary>
public static class HealthServiceEndpointRouteBuilderExtensions
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// Maps readiness (<c>/health</c>: <c>200 OK</c> or <c>503</c> with a one-word reason, from the latest snapshot),
    /// liveness (<c>/health/live</c>), and the operator endpoints, the detailed view (<c>/health/details</c>),
    /// maintenance (<c>/health/maintenance</c>), the history (<c>/health/history</c>) and the status page
    /// (<c>/health/ui</c>), answered only when <c>Health:Details:Enabled</c>, and otherwise
    /// exactly as an unknown path. Routing answers other methods on the
    /// first two with <c>405</c> and an <c>Allow</c> header.
    /// </summary>
    /// <param name="endpoints">The application's endpoint route builder.</param>
    /// <param name="configure">Paths other than the defaults.</param>
    /// <returns>A convention builder for all the endpoints (for example to add metadata or a host filter).</returns>
    /// <exception cref="InvalidOperationException"><c>AddHealthService</c> was not called on the application's builder.</exception>
    public static IEndpointConventionBuilder MapHealthService(this IEndpointRouteBuilder endpoints, Action<HealthServiceEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<HealthServiceMarker>() is null)
        {
            throw new InvalidOperationException(
                "MapHealthService needs AddHealthService: call builder.AddHealthService() before builder.Build().");
        }

        var paths = new HealthServiceEndpointOptions();
        configure?.Invoke(paths);
        // Readiness and liveness are answered ahead of the application's middleware; the endpoints below stay for
        // what reads endpoints (conventions, API descriptions) and answer only what routing brings them.
        endpoints.ServiceProvider.GetRequiredService<LoadBalancerPaths>().Answer(paths.ReadinessPath, paths.LivenessPath);
        var readiness = ActivatorUtilities.CreateInstance<ReadinessEndpoint>(endpoints.ServiceProvider);
        var details = ActivatorUtilities.CreateInstance<DetailsEndpoint>(endpoints.ServiceProvider);
        var maintenance = ActivatorUtilities.CreateInstance<MaintenanceEndpoint>(endpoints.ServiceProvider);
        var history = ActivatorUtilities.CreateInstance<HistoryEndpoint>(endpoints.ServiceProvider);
        var statusPage = ActivatorUtilities.CreateInstance<StatusPageEndpoint>(endpoints.ServiceProvider);
        return new CompositeConventionBuilder(
        [
            endpoints.MapMethods(paths.ReadinessPath, GetAndHead, new RequestDelegate(readiness.HandleAsync)).WithDisplayName("Readiness"),

            // Liveness touches nothing but the process itself: if this answers, the process is serving.
            endpoints.MapMethods(paths.LivenessPath, GetAndHead, context =>
                PlainTextResponse.WriteAsync(context, StatusCodes.Status200OK, PlainTextResponse.Ok)).WithDisplayName("Liveness"),

            // Every method, so that a caller it does not admit gets the same 404 as on an unknown path (not a 405).
            endpoints.Map(paths.DetailsPath, new RequestDelegate(details.HandleAsync)).WithDisplayName("Details"),
            endpoints.Map(paths.MaintenancePath, new RequestDelegate(maintenance.HandleAsync)).WithDisplayName("Maintenance"),
            endpoints.Map(paths.HistoryPath, new RequestDelegate(history.HandleAsync)).WithDisplayName("History"),
            endpoints.Map(paths.StatusPagePath, new RequestDelegate(statusPage.HandleAsync)).WithDisplayName("Status page"),
        ]);
    }

    private sealed class CompositeConventionBuilder(IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
