using HealthService.Pipeline;
using HealthService.Probes.Tcp;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Tls;

internal static class TlsProbeExtensions
{
    /// <summary>Adds a probe that makes a TLS handshake with one address and judges its certificate.</summary>
    public static IHealthChecksBuilder AddTlsProbe(this IHealthChecksBuilder builder, string name, TlsProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        var address = options.Address;
        var serverName = options.ServerName;
        var window = options.ExpiresWithin;
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new TlsHealthCheck(HostPort.Parse(address), serverName, window, services.GetRequiredService<TimeProvider>()),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }
}
