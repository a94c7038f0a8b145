using HealthService.Configuration;
using HealthService.Endpoints;
using HealthService.Pipeline;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds HealthService to an application: <c>builder.AddHealthService()</c>.</summary>
public static class HealthServiceHostApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the HealthService pipeline: the <c>Health</c> configuration section (validated at start), the background
    /// loop that runs every probe under its deadline, the probes enabled in configuration, drain on SIGTERM, alerts
    /// and metrics; and puts the snapshot behind the framework's <see cref="Diagnostics.HealthChecks.HealthCheckService"/>
    /// and <see cref="Diagnostics.HealthChecks.IHealthCheckPublisher"/>s, so that nothing else ever runs a probe.
    /// </summary>
    /// <param name="builder">The application's builder.</param>
    /// <param name="configure">Settings made in code, applied over the <c>Health</c> section.</param>
    /// <returns>The health-checks builder: a check added on it (<c>.AddCheck&lt;MyCheck&gt;("my-check")</c>) is critical unless tagged <c>non-critical</c>.</returns>
    /// <exception cref="InvalidOperationException">HealthService was already added to this application.</exception>
    public static IHealthChecksBuilder AddHealthService(this IHostApplicationBuilder builder, Action<HealthServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(descriptor => descriptor.ServiceType == typeof(HealthServiceMarker)))
        {
            throw new InvalidOperationException(
                "AddHealthService was called twice on this application: call it once, and chain further checks on the IHealthChecksBuilder it returns.");
        }

        builder.Services.AddSingleton<HealthServiceMarker>();
        builder.Services.AddSingleton<LoadBalancerPaths>();
        // The first startup filter wraps all the others (the framework's host filtering too) and the whole pipeline.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, LoadBalancerPaths.First>());
        return builder.Services.AddHealthPipeline(builder.Configuration, builder.Environment.ApplicationName, configure);
    }
}
