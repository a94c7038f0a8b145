using Microsoft.AspNetCore.Hosting;

namespace HealthService.Endpoints;

/// <summary>
/// Answers the load balancer's paths, readiness and liveness, ahead of the application's whole middleware pipeline:
/// an authorization fallback policy, host filtering, HTTPS redirection or a rate limiter would otherwise turn the
/// health check into <c>401</c>, <c>400</c>, <c>307</c> or <c>429</c>, and the load balancer would take every
/// healthy instance out. These paths reveal one word and run nothing, so no such rule protects anything on them.
/// </summary>
/// <remarks>
/// Registered by <c>AddHealthService</c> as the first <see cref="IStartupFilter"/>, so its middleware wraps every other
/// one, the framework's own host filtering included; <c>MapHealthService</c> says which paths to answer. Every other
/// request passes through untouched, so the application's routes keep all of their rules.
/// </remarks>
internal sealed class LoadBalancerPaths
{
    private static readonly string AllowedMethods = $"{HttpMethods.Get}, {HttpMethods.Head}";

    private PathString _readiness;
    private PathString _liveness;

    /// <summary>Answers <paramref name="readiness"/> and <paramref name="liveness"/> from now on.</summary>
    public void Answer(PathString readiness, PathString liveness) => (_readiness, _liveness) = (readiness, liveness);

    public IApplicationBuilder Wrap(IApplicationBuilder app, Action<IApplicationBuilder> next)
    {
        var readiness = ActivatorUtilities.CreateInstance<ReadinessEndpoint>(app.ApplicationServices);
        app.Use(following => context =>
        {
            var path = context.Request.Path;
            var isReadiness = Matches(path, _readiness);
            if (!isReadiness && !Matches(path, _liveness))
            {
                return following(context);
            }

            var method = context.Request.Method;
            if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = AllowedMethods;
                return Task.CompletedTask;
            }

            // Liveness touches nothing but the process itself: if this answers, the process is serving.
            return isReadiness ? readiness.HandleAsync(context) : PlainTextResponse.WriteAsync(context, StatusCodes.Status200OK, PlainTextResponse.Ok);
        });
        next(app);
        return app;
    }

    /// <summary>As routing matches a literal route: ignoring case, with or without one trailing slash.</summary>
    private static bool Matches(PathString path, PathString route)
    {
        if (!route.HasValue || !path.HasValue)
        {
            return false;
        }

        var requested = path.Value.AsSpan();
        if (requested.Length == route.Value.Length + 1 && requested[^1] == '/')
        {
            requested = requested[..^1];
        }

        return requested.Equals(route.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The startup filter that puts <see cref="LoadBalancerPaths"/> in front of everything.</summary>
    internal sealed class First(LoadBalancerPaths paths) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app => paths.Wrap(app, next);
    }
}
