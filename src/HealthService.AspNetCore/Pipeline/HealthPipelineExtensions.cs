using HealthService.Alerts;
using HealthService.Configuration;
using HealthService.Endpoints;
using HealthService.History;
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
    /// <param name="applicationName">The application's name: the service's name in CloudWatch EMF unless <c>OTEL_SERVICE_NAME</c> is set.</param>
    /// <param name="sectionPath">The configuration section to read (<c>Health</c> unless the application names another).</param>
    public static IHealthChecksBuilder AddHealthPipeline(this IServiceCollection services, IConfiguration configuration, string sectionPath, string applicationName, Action<HealthServiceOptions>? configure)
    {
        // Read once, here: which probes and features exist is decided from this reading, and the values used at run
        // time are the same ones (HealthOptionsReadOnce); configure runs once, over it.
        var section = configuration.GetSection(sectionPath);
        if (UnknownSettings.Find(section, typeof(HealthServiceOptions)) is { } unknown)
        {
            throw new InvalidOperationException($"{unknown} is not a known setting (every key is listed in docs/configuration.md).");
        }

        var health = section.Get<HealthServiceOptions>(ConfigurationGuard.Binding) ?? new HealthServiceOptions();
        configure?.Invoke(health);
        health.SectionPath = sectionPath;
        services.AddOptions<HealthServiceOptions>().ValidateOnStart();
        services.AddSingleton<IOptionsFactory<HealthServiceOptions>, HealthOptionsReadOnce>(provider => new HealthOptionsReadOnce(
            health,
            provider.GetServices<IConfigureOptions<HealthServiceOptions>>(),
            provider.GetServices<IPostConfigureOptions<HealthServiceOptions>>(),
            provider.GetServices<IValidateOptions<HealthServiceOptions>>()));
        services.AddSingleton<IValidateOptions<HealthServiceOptions>>(new LateHealthSettings(section, LateHealthSettings.Read(section)));
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
        services.AddSingleton(provider => new HealthReadiness(
            provider.GetRequiredService<HealthSnapshotStore>(),
            provider.GetRequiredService<ReadinessDecision>(),
            provider.GetRequiredService<DrainState>(),
            provider.GetRequiredService<MaintenanceState>(),
            provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IHealthSnapshotListener>(provider => provider.GetRequiredService<HealthReadiness>());
        services.AddSingleton(provider => new SecretRedactor(provider.GetRequiredService<IOptions<HealthServiceOptions>>().Value, provider.GetRequiredService<IConfiguration>()));
        services.AddHostedService<HealthEvaluationService>();
        services.AddHostedService<ReadinessChangeWatcher>();

        // The recent past for /health/history and /health/ui: bounded, in memory, fed by the loop and the watcher.
        services.AddSingleton(provider => new HealthHistory(
            new Lazy<HistoryOptions>(() => provider.GetRequiredService<IOptions<HealthServiceOptions>>().Value.History),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<HealthSnapshotStore>(),
            provider.GetRequiredService<ReadinessDecision>(),
            provider.GetRequiredService<MaintenanceState>()));
        services.AddSingleton<IHealthSnapshotListener>(provider => provider.GetRequiredService<HealthHistory>());
        services.AddSingleton<IReadinessChangeListener>(provider => provider.GetRequiredService<HealthHistory>());

        // Probes added in code are checked at start like configured ones (names, deadlines against the schedule).
        services.AddOptions<HealthCheckServiceOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthCheckServiceOptions>, ProbeRegistrationValidator>();

        services.Configure<ProbeDamping>(damping => AddConfiguredDamping(damping, health));
        services.AddInstanceIdentity(health.Identity.Discovers(health));
        services.AddAlerts(health.Alerts);
        services.AddGracefulDrain(health);
        var serviceName = TelemetryServiceName.Of(configuration, applicationName);
        services.AddHealthMetrics();
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
