using Grpc.AspNetCore.Server.Model;
using HealthService.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace HealthService.Grpc;

/// <summary>
/// The gRPC health checking protocol (<c>grpc.health.v1.Health</c>), on when <c>Health:Grpc:Enabled</c>. It lives in
/// the service rather than the library: the library is referenced by other applications, which should not take a
/// gRPC dependency for a protocol they may never serve. Its listener is bound with the others
/// (<see cref="Hosting.ListenAddressExtensions"/>).
/// </summary>
public static class GrpcHealthExtensions
{
    /// <summary>Adds the gRPC server when the protocol is on; otherwise nothing.</summary>
    public static WebApplicationBuilder AddGrpcHealth(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (GrpcListener.Port(builder.Configuration) is { } port)
        {
            // Inserted first, after AddHealthService has inserted its own: the outermost of all.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new GrpcPortSeparation.First(port)));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(provider => new WatchStreams(provider.GetRequiredService<IOptions<HealthServiceOptions>>().Value.Grpc.MaxWatchStreams));
            builder.Services.AddSingleton<IServiceMethodProvider<ReadinessStatusService>, ReadinessStatusMethods>();
        }

        return builder;
    }

    /// <summary>
    /// Maps <c>grpc.health.v1.Health</c> and <c>healthservice.v1.Readiness</c>, answered on the gRPC port only, when
    /// the protocol is on.
    /// </summary>
    public static WebApplication MapGrpcHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (GrpcListener.Port(app.Configuration) is not null)
        {
            app.MapGrpcService<GrpcHealthService>();
            app.MapGrpcService<ReadinessStatusService>();
        }

        return app;
    }
}
