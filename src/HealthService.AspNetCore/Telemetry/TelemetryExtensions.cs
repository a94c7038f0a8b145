using HealthService.Pipeline;
using OpenTelemetry.Metrics;

namespace HealthService.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>
    /// The <c>HealthService</c> meter, and its place in the application's own OpenTelemetry: when the application
    /// builds a meter provider (<c>AddOpenTelemetry().WithMetrics(...)</c>), the meter is added to it, and its
    /// exporters send the <c>healthservice.*</c> instruments beside the application's. Nothing else: no provider,
    /// no exporter, no resource; an application without OpenTelemetry gets none.
    /// </summary>
    public static IServiceCollection AddHealthMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<HealthMetrics>();
        services.AddSingleton<IHealthSnapshotListener>(sp => sp.GetRequiredService<HealthMetrics>());
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(HealthMetrics.MeterName));
        return services;
    }
}
