using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace HealthService.Probes.Postgres;

internal static class PostgresProbeExtensions
{
    /// <summary>The most connections one probed database ever sees from this instance.</summary>
    public const int MaxConnectionsPerDatabase = 2;

    /// <summary>
    /// Adds a probe for one PostgreSQL database. Its <see cref="NpgsqlDataSource"/> is created once and shared
    /// through DI (keyed by the probe's name); its pool is capped at <see cref="MaxConnectionsPerDatabase"/>, so
    /// the database sees a bounded number of connections whatever the request rate on <c>/health</c>.
    /// </summary>
    public static IHealthChecksBuilder AddPostgresProbe(this IHealthChecksBuilder builder, string name, PostgresProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = BoundedConnectionString(options.ConnectionString!, deadline);
        builder.Services.AddKeyedSingleton(name, (_, _) => NpgsqlDataSource.Create(connectionString));
        var query = options.Query;
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new PostgresHealthCheck(services.GetRequiredKeyedService<NpgsqlDataSource>(name), query),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }

    private static string BoundedConnectionString(string connectionString, TimeSpan deadline)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        settings.MaxPoolSize = Math.Min(settings.MaxPoolSize, MaxConnectionsPerDatabase);
        settings.MinPoolSize = Math.Min(settings.MinPoolSize, settings.MaxPoolSize);
        // The pipeline abandons a probe at its deadline, but cancelling its token does not end a connection attempt
        // that waits for the server's first answer: only Npgsql's own timeouts (whole seconds) do. So they never exceed
        // the deadline, and 0, which Npgsql takes as "wait forever", becomes the deadline too.
        var seconds = Math.Max(1, (int)Math.Ceiling(deadline.TotalSeconds));
        settings.Timeout = AtMost(settings.Timeout, seconds);
        settings.CommandTimeout = AtMost(settings.CommandTimeout, seconds);
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "HealthService";
        }

        return settings.ConnectionString;
    }

    private static int AtMost(int configured, int seconds) => configured is > 0 && configured <= seconds ? configured : seconds;
}
