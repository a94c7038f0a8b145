using System.Runtime.CompilerServices;
using HealthService.Endpoints;
using HealthService.Pipeline;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HealthService.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>
    /// The <c>HealthService</c> meter, always; its export over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (the standard <c>OTEL_*</c> variables configure the exporter).
    /// </summary>
    public static IServiceCollection AddHealthMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<HealthMetrics>();
        services.AddSingleton<IHealthSnapshotListener>(sp => sp.GetRequiredService<HealthMetrics>());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            AddOtlpExport(services);
        }

        return services;
    }

    // A method of its own, so that the OpenTelemetry assemblies are loaded only when export is configured.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOtlpExport(IServiceCollection services) =>
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(HealthMetrics.MeterName, serviceVersion: DetailsResponseWriter.Version))
            .WithMetrics(metrics => metrics.AddMeter(HealthMetrics.MeterName).AddOtlpExporter());
}
