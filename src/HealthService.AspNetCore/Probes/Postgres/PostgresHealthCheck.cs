using HealthChecks.NpgSql;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace HealthService.Probes.Postgres;

/// <summary>
/// One PostgreSQL database: Xabaril's <see cref="NpgSqlHealthCheck"/> opens a connection from this database's
/// shared <see cref="NpgsqlDataSource"/> and runs the query; a failure is reported by category (connection
/// refused, authentication failed, timed out, ...), never with the server's message.
/// </summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource, string query) : IHealthCheck
{
    private readonly NpgSqlHealthCheck _inner = new(new NpgSqlHealthCheckOptions(dataSource) { CommandText = query });
    private readonly string _target = Target(dataSource);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await _inner.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
        if (result.Exception is not { } ex)
        {
            return HealthCheckResult.Healthy($"{_target} answered");
        }

        // The pooled connection may be the broken one; the next round must start from a fresh connection so
        // that a database that is back is seen as healthy at once.
        dataSource.Clear();
        return new HealthCheckResult(context.Registration.FailureStatus, $"{_target}: {ProbeFailure.Describe(ex)}", ex);
    }

    private static string Target(NpgsqlDataSource dataSource)
    {
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username ?? "(default database)"}";
    }
}
