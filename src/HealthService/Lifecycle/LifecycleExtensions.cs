using HealthService.Configuration;

namespace HealthService.Lifecycle;

public static class LifecycleExtensions
{
    /// <summary>
    /// Graceful drain on SIGTERM/SIGINT, and a bounded shutdown: the host gives in-flight requests and background
    /// work <c>Health:ShutdownTimeout</c> to finish, so neither a hung probe nor a slow client keeps the process alive.
    /// </summary>
    public static IServiceCollection AddGracefulDrain(this IServiceCollection services, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<DrainState>();
        services.AddSingleton<IHostLifetime, DrainingHostLifetime>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        return services;
    }
}
