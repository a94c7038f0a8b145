using System.Runtime.CompilerServices;
using HealthService.Endpoints;
using HealthService.Identity;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HealthService.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>
    /// The <c>HealthService</c> meter, always; its export over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (the standard <c>OTEL_*</c> variables configure the exporter).
    /// </summary>
    /// <param name="serviceName">The resource's <c>service.name</c> (<see cref="TelemetryServiceName"/>).</param>
    public static IServiceCollection AddHealthMetrics(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        services.AddMetrics();
        services.AddSingleton<HealthMetrics>();
        services.AddSingleton<IHealthSnapshotListener>(sp => sp.GetRequiredService<HealthMetrics>());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            AddOtlpExport(services, serviceName);
        }

        return services;
    }

    // A method of its own, so that the OpenTelemetry assemblies are loaded only when export is configured.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOtlpExport(IServiceCollection services, string serviceName)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(serviceName, serviceVersion: DetailsResponseWriter.Version)
                .AddDetector(provider => new InstanceResourceDetector(provider!.GetRequiredService<InstanceIdentityProvider>())))
            .WithMetrics(metrics => metrics.AddMeter(HealthMetrics.MeterName).AddOtlpExporter());

        // The meter provider is built once the identity is known, not while the host starts: see DeferredTelemetryStart.
        // Two registrations would build it at start: OpenTelemetry's hosting service, and its bridge to the
        // IMeterFactory listeners, which the host resolves with the first meter. Without the bridge the provider
        // still listens to the HealthService meter by name; what it loses is rules set through builder.Metrics.
        var eager = services.Where(d => d.ImplementationType?.FullName is { } type
            && ((d.ServiceType == typeof(IHostedService) && type == DeferredTelemetryStart.ReplacedService)
                || (d.ServiceType == typeof(IMetricsListener) && type == DeferredTelemetryStart.ReplacedListener))).ToList();
        foreach (var descriptor in eager)
        {
            services.Remove(descriptor);
        }

        services.AddHostedService<DeferredTelemetryStart>();
    }
}
