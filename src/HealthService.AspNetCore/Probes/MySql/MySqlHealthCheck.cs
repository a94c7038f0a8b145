using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace HealthService.Probes.MySql;

/// <summary>
/// One MySQL, MariaDB or Aurora MySQL database: a <c>SELECT 1</c> on a connection from this database's shared
/// <see cref="MySqlDataSource"/>; a failure is reported by category (connection refused, authentication failed,
/// timed out, ...), never with the server's message.
/// </summary>
/// <remarks>
/// Xabaril's AspNetCore.HealthChecks.MySql is not used: the only version served (3.1.1) targets .NET Core 3.1 and
/// the old MySqlConnector 0.x API, opens a connection from a connection string (no shared data source) and predates
/// trimming and Native AOT. The check itself is a few lines.
/// </remarks>
internal sealed class MySqlHealthCheck(MySqlDataSource dataSource) : IHealthCheck
{
    private readonly string _target = Target(dataSource);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT 1", connection);
            // Not given the token: MySqlConnector answers a cancelled token by opening a new, unpooled connection
            // (synchronously, in the token's callback, for up to 3 s) to send KILL QUERY, one more connection than the
            // pool's cap. The pipeline abandons the call at the deadline, and the command timeout, bounded by the
            // deadline with Cancellation Timeout=-1, then closes this connection itself.
            await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{_target} answered");
        }
        catch (Exception ex)
        {
            // The pool needs no clearing (MySqlConnection.ClearPool never reaches a data source's pool): a connection
            // that failed is not returned to it, and an idle one is reset before reuse and replaced if that fails.
            var reason = ex is MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost, InnerException: null }
                ? await WhyNoConnectionAsync(cancellationToken).ConfigureAwait(false)
                : ProbeFailure.Describe(ex);
            return new HealthCheckResult(context.Registration.FailureStatus, $"{_target}: {reason}", ex);
        }
    }

    /// <summary>
    /// MySqlConnector says only "unable to connect" when no TCP connection could be made, and keeps the socket error to
    /// itself: a bare connect to the first server, within what is left of the deadline, tells refused from unreachable
    /// from not resolved. No server accepted the probe's connection, so none sees more than a connect and a close.
    /// </summary>
    private async Task<string> WhyNoConnectionAsync(CancellationToken cancellationToken)
    {
        var settings = new MySqlConnectionStringBuilder(dataSource.ConnectionString);
        var host = settings.Server.Split(',', StringSplitOptions.TrimEntries)[0];
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(host, (int)settings.Port, cancellationToken).ConfigureAwait(false);
            return "connection failed";
        }
        catch (Exception ex)
        {
            return ProbeFailure.Describe(ex);
        }
    }

    private static string Target(MySqlDataSource dataSource)
    {
        var settings = new MySqlConnectionStringBuilder(dataSource.ConnectionString);
        var database = settings.Database is { Length: > 0 } name ? name : settings.UserID is { Length: > 0 } user ? user : "(no database)";
        return $"{settings.Server}:{settings.Port}/{database}";
    }
}
