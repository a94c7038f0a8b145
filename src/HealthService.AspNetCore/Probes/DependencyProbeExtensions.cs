using HealthService.Configuration;
using HealthService.Probes.Command;
using HealthService.Probes.Dns;
using HealthService.Probes.Http;
using HealthService.Probes.MySql;
using HealthService.Probes.Postgres;
using HealthService.Probes.Redis;
using HealthService.Probes.Tcp;
using HealthService.Probes.Tls;

namespace HealthService.Probes;

internal static class DependencyProbeExtensions
{
    /// <summary>
    /// Adds one probe per configured PostgreSQL database (<c>postgres:&lt;name&gt;</c>), MySQL database
    /// (<c>mysql:&lt;name&gt;</c>), HTTP API (<c>http:&lt;name&gt;</c>), command (<c>command:&lt;name&gt;</c>), TCP
    /// address (<c>tcp:&lt;name&gt;</c>), TLS endpoint (<c>tls:&lt;name&gt;</c>) and host name (<c>dns:&lt;name&gt;</c>).
    /// Nothing configured, nothing added.
    /// </summary>
    public static IHealthChecksBuilder AddDependencyProbes(this IHealthChecksBuilder builder, HealthServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, postgres) in options.Postgres)
        {
            builder.AddPostgresProbe($"postgres:{name}", postgres, options.DeadlineOf(postgres.Timeout));
        }

        foreach (var (name, mysql) in options.MySql)
        {
            builder.AddMySqlProbe($"mysql:{name}", mysql, options.DeadlineOf(mysql.Timeout));
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

        foreach (var (name, tcp) in options.Tcp)
        {
            builder.AddTcpProbe($"tcp:{name}", tcp, options.DeadlineOf(tcp.Timeout));
        }

        foreach (var (name, tls) in options.Tls)
        {
            builder.AddTlsProbe($"tls:{name}", tls, options.DeadlineOf(tls.Timeout));
        }

        foreach (var (name, dns) in options.Dns)
        {
            builder.AddDnsProbe($"dns:{name}", dns, options.DeadlineOf(dns.Timeout));
        }

        return builder;
    }
}
