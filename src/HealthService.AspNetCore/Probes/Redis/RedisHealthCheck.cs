using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Redis;

/// <summary>
/// One Redis server: a PING on its shared connection; a failure is reported by category (connection refused,
/// authentication failed, timed out, ...), never with the server's or the client's message.
/// </summary>
/// <remarks>
/// Not Xabaril's <c>HealthChecks.Redis</c> (9.0.0): it connects with <c>ConnectAsync</c>, which takes no
/// cancellation token and waits the client's own connect timeout (5 s by default) whatever the probe's deadline,
/// and keeps no multiplexer after a failed connect, so against a hung server every round starts one more
/// connection attempt while the abandoned ones are still open; its multiplexer also opens the subscription
/// connection. Here one multiplexer per server is kept, its timeouts bounded by the deadline (see
/// <see cref="RedisConnection"/>).
/// </remarks>
internal sealed class RedisHealthCheck(RedisConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var multiplexer = await connection.GetAsync(cancellationToken).ConfigureAwait(false);
            // StackExchange.Redis takes no cancellation token: the wait ends at the deadline, the PING itself at
            // the async timeout, which is never longer.
            await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{connection.Target} answered");
        }
        catch (Exception ex)
        {
            // "No connection available" says why only while the client remembers; the multiplexer's last failure does.
            var cause = ex is StackExchange.Redis.RedisConnectionException { InnerException: null } && connection.LastFailure is { } last ? last : ex;
            return new HealthCheckResult(context.Registration.FailureStatus, $"{connection.Target}: {ProbeFailure.Describe(cause)}", ex);
        }
    }
}
