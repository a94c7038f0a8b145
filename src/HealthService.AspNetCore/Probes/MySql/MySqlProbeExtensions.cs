using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace HealthService.Probes.MySql;

internal static class MySqlProbeExtensions
{
    /// <summary>The most connections one probed database ever sees from this instance.</summary>
    public const uint MaxConnectionsPerDatabase = 2;

    /// <summary>
    /// Adds a probe for one MySQL, MariaDB or Aurora MySQL database. Its <see cref="MySqlDataSource"/> is created once
    /// and shared through DI (keyed by the probe's name); its pool is capped at <see cref="MaxConnectionsPerDatabase"/>,
    /// so the database sees a bounded number of connections whatever the request rate on <c>/health</c>.
    /// </summary>
    public static IHealthChecksBuilder AddMySqlProbe(this IHealthChecksBuilder builder, string name, MySqlProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        // Parsed when the data source is first resolved, after options validation has named a bad connection string's
        // key: parsing it here would throw MySqlConnector's own message, which can quote part of the password.
        builder.Services.AddKeyedSingleton(name, (_, _) => new MySqlDataSource(BoundedConnectionString(options.ConnectionString!, deadline)));
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new MySqlHealthCheck(services.GetRequiredKeyedService<MySqlDataSource>(name)),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }

    internal static string BoundedConnectionString(string connectionString, TimeSpan deadline)
    {
        var settings = new MySqlConnectionStringBuilder(connectionString);
        settings.MaximumPoolSize = Math.Min(settings.MaximumPoolSize, MaxConnectionsPerDatabase);
        settings.MinimumPoolSize = Math.Min(settings.MinimumPoolSize, settings.MaximumPoolSize);
        // The pipeline abandons a probe at its deadline; MySqlConnector's own timeouts (whole seconds) are what end the
        // attempt itself, and close its connection: they never exceed the deadline, and 0, which MySqlConnector takes
        // as "wait forever", becomes the deadline too.
        var seconds = (uint)Math.Max(1, Math.Ceiling(deadline.TotalSeconds));
        settings.ConnectionTimeout = AtMost(settings.ConnectionTimeout, seconds);
        settings.DefaultCommandTimeout = AtMost(settings.DefaultCommandTimeout, seconds);
        // A timed-out query is not killed from another connection (KILL QUERY): its connection is closed instead, so a
        // probe never opens more connections than its pool holds. This covers the command timeout only; a cancelled
        // token would still send KILL QUERY, so the query is given none (MySqlHealthCheck).
        settings.CancellationTimeout = -1;
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "HealthService";
        }

        return settings.ConnectionString;
    }

    private static uint AtMost(uint configured, uint seconds) => configured is > 0 && configured <= seconds ? configured : seconds;
}
