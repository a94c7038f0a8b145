using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Dns;

/// <summary>
/// One host name, resolved within the deadline. Healthy with its addresses; otherwise the failure is named by the
/// resolver's answer (<c>NXDOMAIN</c>, <c>SERVFAIL</c>, ...) or <c>timed out after 2 s</c>.
/// </summary>
/// <remarks>
/// By default the name goes through the system resolver, as the application's own connections do
/// (<c>getaddrinfo</c>: <c>/etc/hosts</c>, then the servers in <c>/etc/resolv.conf</c>, in a VPC the Route 53
/// Resolver): a probe that asked another resolver could be healthy while the application cannot resolve. The price
/// is that glibc reports only a category: NXDOMAIN becomes <see cref="SocketError.HostNotFound"/>, while SERVFAIL
/// and "no server answered" both become <see cref="SocketError.TryAgain"/>. With a <c>Server</c> the probe sends its
/// own A and AAAA queries (<see cref="DnsQuery"/>) and reports the answer code exactly.
/// </remarks>
internal sealed class DnsHealthCheck(string host, IPEndPoint? server, TimeSpan deadline) : IHealthCheck
{
    /// <summary>The most addresses listed in Data; the count is always given.</summary>
    private const int MaxListedAddresses = 8;

    private readonly string _target = server is null ? host : $"{host} via {server}";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        string failure;
        Exception? exception = null;
        try
        {
            var (addresses, answerCode) = server is null
                ? (await System.Net.Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false), DnsQuery.NoError)
                : await DnsQuery.ResolveAsync(host, server, deadline, timeout.Token).ConfigureAwait(false);
            if (addresses.Length > 0)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                return HealthCheckResult.Healthy($"{_target} resolved", new Dictionary<string, object>
                {
                    ["addresses"] = string.Join(", ", addresses.Take(MaxListedAddresses)),
                    ["addressCount"] = addresses.Length,
                    ["resolveMs"] = Math.Round(elapsed.TotalMilliseconds, 1),
                });
            }

            failure = answerCode == DnsQuery.NoError ? "no address" : DnsQuery.Name(answerCode);
        }
        catch (OperationCanceledException ex)
        {
            failure = $"timed out after {deadline.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
            exception = ex;
        }
        catch (SocketException ex)
        {
            failure = SystemResolverFailure(ex.SocketErrorCode);
            exception = ex;
        }
        catch (InvalidDataException ex)
        {
            failure = "malformed answer";
            exception = ex;
        }

        return new HealthCheckResult(context.Registration.FailureStatus, $"{_target}: {failure}", exception);
    }

    /// <summary>What glibc's getaddrinfo result (as .NET reports it) says about the resolver's answer, and no more.</summary>
    private static string SystemResolverFailure(SocketError error) => error switch
    {
        SocketError.HostNotFound => "NXDOMAIN",
        // EAI_AGAIN: glibc gives it for SERVFAIL and for no answer within resolv.conf's own timeout and attempts.
        SocketError.TryAgain => "SERVFAIL or no answer",
        SocketError.NoData => "no address",
        SocketError.NoRecovery => "resolver failure",
        SocketError.TimedOut => "timed out",
        _ => ProbeFailure.Describe(new SocketException((int)error)),
    };
}
