namespace HealthService.Grpc;

/// <summary>
/// Keeps the gRPC port and the HTTP ports apart: the gRPC port answers the health services and nothing else (no
/// <c>/health</c>, no operator endpoint), and the health services are answered on the gRPC port only. Anything else
/// gets <c>404</c>, which a gRPC client reports as <c>UNIMPLEMENTED</c>. Decided by the port the connection came in
/// on, which a caller cannot choose, rather than by the <c>Host</c> header, which it can.
/// </summary>
internal static class GrpcPortSeparation
{
    /// <summary>The path of every method of <c>grpc.health.v1.Health</c>.</summary>
    public static readonly PathString ServicePath = "/grpc.health.v1.Health";

    /// <summary>The path of <see cref="ReadinessStatusService"/>.</summary>
    public static readonly PathString StatusServicePath = "/" + ReadinessStatusService.ServiceName;

    /// <summary>Whether <paramref name="path"/> is a method of one of the health services.</summary>
    public static bool IsHealthService(PathString path) =>
        path.StartsWithSegments(ServicePath, StringComparison.Ordinal) || path.StartsWithSegments(StatusServicePath, StringComparison.Ordinal);

    /// <summary>
    /// A startup filter for the front of the pipeline, ahead even of the load balancer's paths, which the library
    /// answers before anything else: <c>/health</c> on the gRPC port is <c>404</c> too.
    /// </summary>
    internal sealed class First(int port) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if ((context.Connection.LocalPort == port) == IsHealthService(context.Request.Path))
                {
                    return following(context);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
            next(app);
        };
    }
}
