using System.Net;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Dns;

internal static class DnsProbeExtensions
{
    /// <summary>
    /// Adds a probe that resolves one host name within its deadline, through the system resolver or
    /// <see cref="DnsProbeOptions.Server"/>. The server is read when the probe is first built, after the options were
    /// validated at start (a bad one stops start-up naming its key); empty or blank means unset, as in validation.
    /// </summary>
    public static IHealthChecksBuilder AddDnsProbe(this IHealthChecksBuilder builder, string name, DnsProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Server;
        var host = options.Host!;
        return builder.Add(new HealthCheckRegistration(
            name,
            _ => new DnsHealthCheck(host, ServerOf(configured), deadline),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }

    private static IPEndPoint? ServerOf(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? null
        : DnsServerAddress.Parse(configured) ?? throw new InvalidOperationException($"'{configured}' is not an IP address and port.");
}
