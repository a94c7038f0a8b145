using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Command;

internal static class CommandProbeExtensions
{
    /// <summary>Adds a probe that runs an executable (a Nagios plugin, a script) every round.</summary>
    public static IHealthChecksBuilder AddCommandProbe(this IHealthChecksBuilder builder, string name, CommandProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new CommandHealthCheck(options, services.GetService<SecretRedactor>()),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }
}
