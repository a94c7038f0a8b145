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

    public static IApplicationBuilder UseGrpcPortSeparation(this IApplicationBuilder app, int port) =>
        app.Use((context, next) =>
        {
            if ((context.Connection.LocalPort == port) == IsHealthService(context.Request.Path))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
}
