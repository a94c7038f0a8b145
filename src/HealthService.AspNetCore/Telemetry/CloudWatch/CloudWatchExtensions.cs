using HealthService.Configuration;
using HealthService.Identity;
using HealthService.Pipeline;
using Microsoft.Extensions.Options;

namespace HealthService.Telemetry.CloudWatch;

internal static class CloudWatchExtensions
{
    /// <summary>
    /// Adds EMF documents on stdout when <c>Health:Metrics:CloudWatch:Enabled</c>: the listener that renders them
    /// from the loop's snapshots and the writer that puts them on stdout from a queue of its own.
    /// </summary>
    /// <param name="defaultServiceName">The <c>ServiceName</c> dimension's value unless <c>Health:Metrics:CloudWatch:ServiceName</c> is set.</param>
    public static IServiceCollection AddCloudWatchMetrics(this IServiceCollection services, CloudWatchMetricsOptions options, string defaultServiceName)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return services;
        }

        // From the validated options, read when first needed (ValidateOnStart has checked them by then).
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<HealthServiceOptions>>().Value.Metrics.CloudWatch;
            return new EmfSettings(settings.Namespace, EmfDocument.DimensionValue(settings.ServiceName ?? defaultServiceName), settings.QueueCapacity);
        });
        services.AddSingleton(_ => new EmfOutput(Console.Out));
        services.AddSingleton<EmfWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<EmfWriter>());
        services.AddSingleton<CloudWatchMetrics>();
        services.AddSingleton<IHealthSnapshotListener>(provider => provider.GetRequiredService<CloudWatchMetrics>());
        return services;
    }
}
