using HealthService.Alerts;
using HealthService.Configuration;
using HealthService.Lifecycle;
using HealthService.Probes;
using HealthService.Probes.Resources;
using HealthService.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthService.Pipeline;

public static class HealthPipelineExtensions
{
    /// <summary>
    /// Adds the options, the snapshot store, the background evaluation loop and the probes enabled in
    /// configuration. Returns the health-checks builder, so custom checks can be chained on.
    /// </summary>
    public static IHealthChecksBuilder AddHealthPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName, ConfigurationGuard.Binding)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HealthSnapshotStore>();
        services.AddSingleton<ReadinessDecision>();
        services.AddSingleton(provider => new SecretRedactor(provider.GetRequiredService<IOptions<HealthOptions>>().Value, provider.GetRequiredService<IConfiguration>()));
        services.AddHostedService<HealthEvaluationService>();

        // Probes added in code are checked at start like configured ones (names, deadlines against the schedule).
        services.AddOptions<HealthCheckServiceOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthCheckServiceOptions>, ProbeRegistrationValidator>();

        // Which probes exist is decided once, at start-up; their settings are read from the bound options.
        var health = configuration.GetSection(HealthOptions.SectionName).Get<HealthOptions>(ConfigurationGuard.Binding) ?? new HealthOptions();
        services.AddAlerts(health.Alerts);
        services.AddGracefulDrain(health);
        services.AddHealthMetrics(configuration);
        return services.AddHealthChecks().AddResourceProbes(health).AddDependencyProbes(health);
    }
}
