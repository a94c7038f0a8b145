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
    /// <returns>The health-checks builder: a check added on it (<c>.AddCheck&lt;MyCheck&gt;("my-check")</c>) is critical unless tagged <c>non-critical</c>.</returns>
    /// <exception cref="InvalidOperationException">HealthService was already added, or a key under the section is unknown or malformed.</exception>
    public static IHealthChecksBuilder AddHealthService(this IHostApplicationBuilder builder) =>
        AddHealthService(builder, HealthServiceOptions.SectionName, null);

    /// <summary>Adds the HealthService pipeline, with settings made in code applied once over the <c>Health</c> section.</summary>
    /// <param name="builder">The application's builder.</param>
    /// <param name="configure">Settings made in code, applied once over the <c>Health</c> section.</param>
    /// <returns>The health-checks builder.</returns>
    /// <exception cref="InvalidOperationException">HealthService was already added, or a key under the section is unknown or malformed.</exception>
    public static IHealthChecksBuilder AddHealthService(this IHostApplicationBuilder builder, Action<HealthServiceOptions> configure) =>
        AddHealthService(builder, HealthServiceOptions.SectionName, configure);

    /// <summary>Adds the HealthService pipeline, its settings read from <paramref name="configSectionPath"/> instead of <c>Health</c>.</summary>
    /// <param name="builder">The application's builder.</param>
    /// <param name="configSectionPath">The section, such as <c>Monitoring:Health</c>.</param>
    /// <returns>The health-checks builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="configSectionPath"/> names no section.</exception>
    /// <exception cref="InvalidOperationException">HealthService was already added, or a key under the section is unknown or malformed.</exception>
    public static IHealthChecksBuilder AddHealthService(this IHostApplicationBuilder builder, string configSectionPath) =>
        AddHealthService(builder, configSectionPath, null);

    /// <summary>
    /// Adds the HealthService pipeline with its settings read from <paramref name="configSectionPath"/> instead of
    /// <c>Health</c>, for an application that has a <c>Health</c> section of its own: keys are read only there (the
    /// section is read once, when this runs), unknown keys there are refused by their full name, and nothing
    /// outside it is read or changed.
    /// </summary>
    /// <param name="builder">The application's builder.</param>
    /// <param name="configSectionPath">The section, such as <c>Monitoring:Health</c>.</param>
    /// <param name="configure">Settings made in code, applied once over the section; null for none.</param>
    /// <returns>The health-checks builder: a check added on it (<c>.AddCheck&lt;MyCheck&gt;("my-check")</c>) is critical unless tagged <c>non-critical</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="configSectionPath"/> is empty, or starts or ends with <c>:</c>, or has an empty part.</exception>
    /// <exception cref="InvalidOperationException">HealthService was already added, or a key under the section is unknown or malformed.</exception>
    public static IHealthChecksBuilder AddHealthService(this IHostApplicationBuilder builder, string configSectionPath, Action<HealthServiceOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configSectionPath);
        if (string.IsNullOrWhiteSpace(configSectionPath) || configSectionPath.StartsWith(':') || configSectionPath.EndsWith(':') || configSectionPath.Contains("::", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{configSectionPath}' names no configuration section: give a path such as \"Monitoring:Health\".", nameof(configSectionPath));
        }

        if (builder.Services.Any(descriptor => descriptor.ServiceType == typeof(HealthServiceMarker)))
        {
            throw new InvalidOperationException(
                "AddHealthService was called twice on this application: call it once, and chain further checks on the IHealthChecksBuilder it returns.");
        }

        builder.Services.AddSingleton<HealthServiceMarker>();
        builder.Services.AddSingleton<LoadBalancerPaths>();
        // The first startup filter wraps all the others (the framework's host filtering too) and the whole pipeline.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, LoadBalancerPaths.First>());
        return builder.Services.AddHealthPipeline(builder.Configuration, configSectionPath.Trim(), builder.Environment.ApplicationName, configure);
    }
}
