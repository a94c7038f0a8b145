using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Tcp;

/// <summary>
/// One TCP port: healthy when a connection is accepted, closed again at once without sending anything. A connect
/// still pending at the deadline is cancelled by the pipeline, which reports it as timed out.
/// </summary>
internal sealed class TcpHealthCheck(HostPort address) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            using var socket = await ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{address} accepted a connection");
        }
        catch (SocketException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{address}: {ProbeFailure.Describe(ex)}", ex);
        }
    }

    /// <summary>Connects to the first of the host's addresses that accepts, IPv4 or IPv6.</summary>
    public static async Task<Socket> ConnectAsync(HostPort address, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
