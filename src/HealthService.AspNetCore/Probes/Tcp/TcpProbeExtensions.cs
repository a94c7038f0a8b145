using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Tcp;

internal static class TcpProbeExtensions
{
    /// <summary>
    /// Adds a probe that connects to one TCP address. The address is read when the probe is first built, after the
    /// options were validated at start (a bad one stops start-up naming its key).
    /// </summary>
    public static IHealthChecksBuilder AddTcpProbe(this IHealthChecksBuilder builder, string name, TcpProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Address;
        return builder.Add(new HealthCheckRegistration(name, _ => new TcpHealthCheck(HostPort.Parse(address)), failureStatus, tags ?? HealthTags.For(options.Critical), deadline));
    }
}
