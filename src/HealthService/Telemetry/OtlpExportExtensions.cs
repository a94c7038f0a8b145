using HealthService.Identity;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HealthService.Telemetry;

/// <summary>
/// The standalone service's own OpenTelemetry: the <c>HealthService</c> meter exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard <c>OTEL_*</c> variables configure the exporter), under a
/// resource that names the service and the instance. The library adds its meter to whatever provider an application
/// configures and exports nothing itself; exporting is the application's choice, and this is the service's.
/// </summary>
internal static class OtlpExportExtensions
{
    /// <summary>The resource's <c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> is set.</summary>
    public const string DefaultServiceName = "HealthService";

    public static WebApplicationBuilder AddOtlpMetricsExport(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { } name && !string.IsNullOrWhiteSpace(name) ? name.Trim() : DefaultServiceName;
        var version = typeof(OtlpExportExtensions).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
        var services = builder.Services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(serviceName, serviceVersion: version)
                .AddDetector(provider => new InstanceResourceDetector(provider!.GetRequiredService<InstanceIdentityProvider>())))
            .WithMetrics(metrics => metrics.AddOtlpExporter()); // the HealthService meter is added by AddHealthService

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
        return builder;
    }
}
