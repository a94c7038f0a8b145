using HealthService.Configuration;
using HealthService.Probes.Command;
using HealthService.Probes.Http;
using HealthService.Probes.Postgres;
using HealthService.Probes.Redis;

namespace HealthService.Probes;

internal static class DependencyProbeExtensions
{
    /// <summary>
    /// Adds one probe per configured PostgreSQL database (<c>postgres:&lt;name&gt;</c>), HTTP API
    /// (<c>http:&lt;name&gt;</c>) and command (<c>command:&lt;name&gt;</c>). Nothing configured, nothing added.
    /// </summary>
    public static IHealthChecksBuilder AddDependencyProbes(this IHealthChecksBuilder builder, HealthServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, postgres) in options.Postgres)
        {
            builder.AddPostgresProbe($"postgres:{name}", postgres, options.DeadlineOf(postgres.Timeout));
        }

        foreach (var (name, redis) in options.Redis)
        {
            builder.AddRedisProbe($"redis:{name}", redis, options.DeadlineOf(redis.Timeout));
        }

        foreach (var (name, http) in options.Http)
        {
            builder.AddHttpProbe($"http:{name}", http, options.DeadlineOf(http.Timeout));
        }

        foreach (var (name, command) in options.Command)
        {
            builder.AddCommandProbe($"command:{name}", command, options.DeadlineOf(command.Timeout));
        }

        return builder;
    }
}
