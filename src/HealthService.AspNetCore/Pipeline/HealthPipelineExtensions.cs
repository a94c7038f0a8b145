using HealthService.Alerts;
using HealthService.Configuration;
using HealthService.Endpoints;
using HealthService.Identity;
using HealthService.Lifecycle;
using HealthService.Probes;
using HealthService.Probes.Resources;
using HealthService.Telemetry;
using HealthService.Telemetry.CloudWatch;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthService.Pipeline;

internal static class HealthPipelineExtensions
{
    /// <summary>
    /// Adds the options, the snapshot store, the background evaluation loop and the probes enabled in
    /// configuration, and puts the snapshot behind the framework's <see cref="HealthCheckService"/> and
    /// <see cref="IHealthCheckPublisher"/>s. Returns the health-checks builder, so custom checks can be chained on.
    /// </summary>
    /// <param name="applicationName">The application's name: the service's name in telemetry unless <c>OTEL_SERVICE_NAME</c> is set.</param>
    public static IHealthChecksBuilder AddHealthPipeline(this IServiceCollection services, IConfiguration configuration, string applicationName, Action<HealthServiceOptions>? configure)
    {
        var options = services.AddOptions<HealthServiceOptions>()
            .BindConfiguration(HealthServiceOptions.SectionName, ConfigurationGuard.Binding)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<IValidateOptions<HealthServiceOptions>, HealthServiceOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HealthSnapshotStore>();
        services.AddSingleton<MaintenanceState>();
        services.AddSingleton<OperatorAccess>();
        services.AddSingleton(provider => new ReadinessDecision(
            provider.GetRequiredService<HealthSnapshotStore>(),
            provider.GetRequiredService<DrainState>(),
            provider.GetRequiredService<MaintenanceState>(),
            new Lazy<TimeSpan>(() => provider.GetRequiredService<IOptions<HealthServiceOptions>>().Value.Interval),
            provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ReadinessChanges>();
        services.AddSingleton<IHealthSnapshotListener>(provider => provider.GetRequiredService<ReadinessChanges>());
        services.AddSingleton(provider => new SecretRedactor(provider.GetRequiredService<IOptions<HealthServiceOptions>>().Value, provider.GetRequiredService<IConfiguration>()));
        services.AddHostedService<HealthEvaluationService>();

        // Probes added in code are checked at start like configured ones (names, deadlines against the schedule).
        services.AddOptions<HealthCheckServiceOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthCheckServiceOptions>, ProbeRegistrationValidator>();

        // Which probes exist is decided once, at start-up; their settings are read from the bound options.
        var health = configuration.GetSection(HealthServiceOptions.SectionName).Get<HealthServiceOptions>(ConfigurationGuard.Binding) ?? new HealthServiceOptions();
        configure?.Invoke(health);
        services.Configure<ProbeDamping>(damping => AddConfiguredDamping(damping, health));
        services.AddInstanceIdentity(health.Identity.Discovers(health));
        services.AddAlerts(health.Alerts);
        services.AddGracefulDrain(health);
        var serviceName = TelemetryServiceName.Of(configuration, applicationName);
        services.AddHealthMetrics(configuration, serviceName);
        services.AddCloudWatchMetrics(health.Metrics.CloudWatch, serviceName);
        var builder = services.AddHealthChecks();
        services.AddSnapshotBehindHealthCheckService();
        return builder.AddResourceProbes(health).AddDependencyProbes(health);
    }

    private static void AddConfiguredDamping(ProbeDamping damping, HealthServiceOptions health)
    {
        foreach (var probe in ConfiguredProbes.Of(health))
        {
            damping.ByProbe[probe.Name] = (probe.FailuresBeforeUnhealthy, probe.SuccessesBeforeHealthy);
            if (probe.Interval is { } every)
            {
                damping.Intervals[probe.Name] = every;
            }
        }
    }
}
