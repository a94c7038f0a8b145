using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

internal static class HealthCheckServiceExtensions
{
    // The framework's publisher service is internal: it is known by name.
    private const string FrameworkPublisherService = "Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckPublisherHostedService";

    /// <summary>
    /// Puts the snapshot behind the framework's abstractions: <see cref="HealthCheckService"/> answers from it, and
    /// publishers are fed by the loop. The framework's publisher service is removed; an <c>AddHealthChecks()</c> call
    /// made later adds it back, so it is also stopped as soon as the application has started, before its first run.
    /// </summary>
    public static IServiceCollection AddSnapshotBehindHealthCheckService(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<HealthCheckService, SnapshotHealthCheckService>());
        foreach (var descriptor in services.Where(IsFrameworkPublisherService).ToList())
        {
            services.Remove(descriptor);
        }

        services.AddSingleton<PublisherDispatcher>();
        services.AddSingleton<IHealthSnapshotListener>(provider => provider.GetRequiredService<PublisherDispatcher>());
        services.AddHostedService<FrameworkPublisherStopper>();
        return services;
    }

    private static bool IsFrameworkPublisherService(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IHostedService) && descriptor.ImplementationType?.FullName == FrameworkPublisherService;

    /// <summary>Stops the framework's publisher service, if a later registration brought it back, once everything has started.</summary>
    private sealed class FrameworkPublisherStopper(IServiceProvider services, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                foreach (var hosted in services.GetServices<IHostedService>().Where(s => s.GetType().FullName == FrameworkPublisherService))
                {
                    _ = hosted.StopAsync(CancellationToken.None);
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
