using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Redis;

internal static class RedisProbeExtensions
{
    /// <summary>
    /// Adds a probe for one Redis server. Its <see cref="RedisConnection"/> is created once and shared through DI
    /// (keyed by the probe's name), and connects on the probe's first run, so start-up never waits for Redis.
    /// </summary>
    public static IHealthChecksBuilder AddRedisProbe(this IHealthChecksBuilder builder, string name, RedisProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = options.ConnectionString!;
        builder.Services.AddKeyedSingleton(name, (_, _) => new RedisConnection(connectionString, deadline));
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new RedisHealthCheck(services.GetRequiredKeyedService<RedisConnection>(name)),
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }
}
