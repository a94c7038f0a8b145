using Microsoft.Extensions.Options;

namespace HealthService.Hosting;

/// <summary>
/// The service stops within <c>Health:ShutdownTimeout</c> exactly. The library only raises an application's own
/// timeout to it; the service has no timeout of its own to keep, and the framework's default (30 s) plus the drain
/// delay would outlast an orchestrator's stop timeout (ECS: 30 s).
/// </summary>
internal static class ShutdownTimeoutExtensions
{
    public static WebApplicationBuilder StopWithinHealthShutdownTimeout(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<HealthService.Configuration.HealthServiceOptions>>(
            (host, health) => host.ShutdownTimeout = health.Value.ShutdownTimeout);
        return builder;
    }
}
