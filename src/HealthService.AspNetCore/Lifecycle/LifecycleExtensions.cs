using HealthService.Configuration;

namespace HealthService.Lifecycle;

internal static class LifecycleExtensions
{
    /// <summary>The framework's default lifetime, which the draining one replaces.</summary>
    private const string ConsoleLifetime = "Microsoft.Extensions.Hosting.Internal.ConsoleLifetime";

    /// <summary>
    /// Graceful drain on SIGTERM/SIGINT, and a bounded shutdown: the host gives in-flight requests and background
    /// work <c>Health:ShutdownTimeout</c> to finish, so neither a hung probe nor a slow client keeps the process alive.
    /// </summary>
    public static IServiceCollection AddGracefulDrain(this IServiceCollection services, HealthServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<DrainState>();
        // In place of the framework's console lifetime only: a lifetime of the application's own (a Windows service,
        // systemd) is kept, and DrainWhenStopping still turns /health to Draining when it stops the host.
        var lifetime = services.LastOrDefault(d => d.ServiceType == typeof(IHostLifetime));
        if (lifetime is null || lifetime.ImplementationType?.FullName == ConsoleLifetime)
        {
            services.AddSingleton<IHostLifetime, DrainingHostLifetime>();
        }

        services.AddHostedService<DrainWhenStopping>();
        // The graceful stop after the drain needs Health:ShutdownTimeout; an application that allows longer keeps it.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromTicks(Math.Max(host.ShutdownTimeout.Ticks, options.ShutdownTimeout.Ticks)));
        return services;
    }

    /// <summary>
    /// However the host is stopped, <c>/health</c> stops saying OK while requests are still being served: also under
    /// an <see cref="IHostLifetime"/> of the application's own that replaces the draining one.
    /// </summary>
    private sealed class DrainWhenStopping(IHostApplicationLifetime lifetime, DrainState drain) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopping.Register(() => drain.Begin());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
