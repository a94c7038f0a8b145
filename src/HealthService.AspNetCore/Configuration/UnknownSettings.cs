using System.Reflection;
using HealthService.Alerts;
using HealthService.Endpoints;
using HealthService.History;
using HealthService.Identity;
using HealthService.Probes.Command;
using HealthService.Probes.Dns;
using HealthService.Probes.Http;
using HealthService.Probes.MySql;
using HealthService.Probes.Postgres;
using HealthService.Probes.Redis;
using HealthService.Probes.Resources;
using HealthService.Probes.Tcp;
using HealthService.Probes.Tls;
using HealthService.Telemetry;
using HealthService.Telemetry.CloudWatch;

namespace HealthService.Configuration;

/// <summary>
/// Finds a configuration key that no options property matches, so a typo such as <c>Health__Intreval</c> stops
/// start-up with its full path instead of being silently ignored.
/// </summary>
/// <remarks>
/// The options classes are listed here by name rather than found by walking property types: each
/// <c>typeof(X).GetProperties()</c> is one the trimmer sees, so the check gives the same answer in a trimmed or
/// Native AOT application. A test shows the table holds every options class reachable from
/// <see cref="HealthServiceOptions"/>.
/// </remarks>
internal static class UnknownSettings
{
    private const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;

    /// <summary>Every options class under the section, with its settable properties by name.</summary>
    internal static readonly IReadOnlyDictionary<Type, IReadOnlyDictionary<string, Type>> OptionsTypes = new Dictionary<Type, IReadOnlyDictionary<string, Type>>
    {
        [typeof(HealthServiceOptions)] = Settable(typeof(HealthServiceOptions).GetProperties(Public)),
        [typeof(HistoryOptions)] = Settable(typeof(HistoryOptions).GetProperties(Public)),
        [typeof(MemoryProbeOptions)] = Settable(typeof(MemoryProbeOptions).GetProperties(Public)),
        [typeof(CpuProbeOptions)] = Settable(typeof(CpuProbeOptions).GetProperties(Public)),
        [typeof(DiskProbeOptions)] = Settable(typeof(DiskProbeOptions).GetProperties(Public)),
        [typeof(PostgresProbeOptions)] = Settable(typeof(PostgresProbeOptions).GetProperties(Public)),
        [typeof(MySqlProbeOptions)] = Settable(typeof(MySqlProbeOptions).GetProperties(Public)),
        [typeof(RedisProbeOptions)] = Settable(typeof(RedisProbeOptions).GetProperties(Public)),
        [typeof(HttpProbeOptions)] = Settable(typeof(HttpProbeOptions).GetProperties(Public)),
        [typeof(CommandProbeOptions)] = Settable(typeof(CommandProbeOptions).GetProperties(Public)),
        [typeof(TcpProbeOptions)] = Settable(typeof(TcpProbeOptions).GetProperties(Public)),
        [typeof(TlsProbeOptions)] = Settable(typeof(TlsProbeOptions).GetProperties(Public)),
        [typeof(DnsProbeOptions)] = Settable(typeof(DnsProbeOptions).GetProperties(Public)),
        [typeof(DetailsOptions)] = Settable(typeof(DetailsOptions).GetProperties(Public)),
        [typeof(MaintenanceOptions)] = Settable(typeof(MaintenanceOptions).GetProperties(Public)),
        [typeof(GrpcOptions)] = Settable(typeof(GrpcOptions).GetProperties(Public)),
        [typeof(AlertOptions)] = Settable(typeof(AlertOptions).GetProperties(Public)),
        [typeof(AlertWebhookOptions)] = Settable(typeof(AlertWebhookOptions).GetProperties(Public)),
        [typeof(MetricsOptions)] = Settable(typeof(MetricsOptions).GetProperties(Public)),
        [typeof(CloudWatchMetricsOptions)] = Settable(typeof(CloudWatchMetricsOptions).GetProperties(Public)),
        [typeof(IdentityOptions)] = Settable(typeof(IdentityOptions).GetProperties(Public)),
    };

    /// <summary>The full path of the first key under <paramref name="section"/> that <paramref name="type"/> has no setting for.</summary>
    public static string? Find(IConfigurationSection section, Type type)
    {
        var properties = OptionsTypes[type];
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var propertyType))
            {
                return child.Path;
            }

            var found = FindIn(child, propertyType);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private static string? FindIn(IConfigurationSection section, Type type)
    {
        // Dictionary<string, T> of options classes: every child is a named T (Health:Postgres:<name>:...).
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var valueType = type.GetGenericArguments()[1];
            return OptionsTypes.ContainsKey(valueType)
                ? section.GetChildren().Select(named => Find(named, valueType)).FirstOrDefault(path => path is not null)
                : null;
        }

        return OptionsTypes.ContainsKey(type) ? Find(section, type) : null;
    }

    private static Dictionary<string, Type> Settable(PropertyInfo[] properties) =>
        properties.Where(property => property.CanWrite).ToDictionary(property => property.Name, property => property.PropertyType, StringComparer.OrdinalIgnoreCase);
}
