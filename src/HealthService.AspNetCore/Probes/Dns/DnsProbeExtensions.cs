using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Dns;

internal static class DnsProbeExtensions
{
    /// <summary>Adds a probe that resolves one host name within its deadline, through the system resolver or <see cref="DnsProbeOptions.Server"/>.</summary>
    public static IHealthChecksBuilder AddDnsProbe(this IHealthChecksBuilder builder, string name, DnsProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var server = options.Server is { Length: > 0 } configured
            ? DnsServerAddress.Parse(configured) ?? throw new ArgumentException($"'{configured}' is not an IP address and port.", nameof(options))
            : null;
        var host = options.Host!;
        return builder.Add(new HealthCheckRegistration(
            name,
            _ => new DnsHealthCheck(host, server, deadline),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }
}
