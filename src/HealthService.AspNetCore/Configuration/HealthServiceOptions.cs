using HealthService.Alerts;
using HealthService.Endpoints;
using HealthService.History;
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

namespace HealthService.Configuration;

/// <summary>
/// The <c>Health</c> configuration section: how often probes run, their deadline and when a result is too old.
/// </summary>
/// <remarks>
/// The key names (<c>Health:Interval</c>, <c>Health:Timeout</c>, <c>Health:MaxAge</c>, ...) are a public contract:
/// deployment templates set them as environment variables (<c>Health__Interval</c>).
/// </remarks>
public sealed class HealthServiceOptions
{
    /// <summary>The configuration section the options are read from unless <c>AddHealthService</c> is given another.</summary>
    public const string SectionName = "Health";

    /// <summary>Where these options were read: every validation message names its key under it.</summary>
    internal string SectionPath { get; set; } = SectionName;

    /// <summary>Time between the starts of two evaluation rounds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Default deadline of one probe; a probe may set its own.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Age past which the latest snapshot no longer counts as healthy. Unset: three intervals.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>
    /// After SIGTERM, how long <c>/health</c> answers <c>503 Draining</c> while everything else is still served,
    /// before the host stops.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the host then waits for in-flight requests and background work before it exits anyway.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The memory probe (<c>Health:Memory</c>).</summary>
    public MemoryProbeOptions Memory { get; set; } = new();

    /// <summary>The CPU probe (<c>Health:Cpu</c>).</summary>
    public CpuProbeOptions Cpu { get; set; } = new();

    /// <summary>The disk probe (<c>Health:Disk</c>).</summary>
    public DiskProbeOptions Disk { get; set; } = new();

    /// <summary>PostgreSQL databases by name: <c>Health:Postgres:&lt;name&gt;:ConnectionString</c>, ...</summary>
    public Dictionary<string, PostgresProbeOptions> Postgres { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>MySQL, MariaDB and Aurora MySQL databases by name: <c>Health:MySql:&lt;name&gt;:ConnectionString</c>, ...</summary>
    public Dictionary<string, MySqlProbeOptions> MySql { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Redis servers by name: <c>Health:Redis:&lt;name&gt;:ConnectionString</c>, ...</summary>
    public Dictionary<string, RedisProbeOptions> Redis { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>External HTTP APIs by name: <c>Health:Http:&lt;name&gt;:Url</c>, ...</summary>
    public Dictionary<string, HttpProbeOptions> Http { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Executables by name: <c>Health:Command:&lt;name&gt;:Path</c>, ...</summary>
    public Dictionary<string, CommandProbeOptions> Command { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>TCP addresses by name: <c>Health:Tcp:&lt;name&gt;:Address</c>, ...</summary>
    public Dictionary<string, TcpProbeOptions> Tcp { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>TLS endpoints and their certificates by name: <c>Health:Tls:&lt;name&gt;:Address</c>, ...</summary>
    public Dictionary<string, TlsProbeOptions> Tls { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Host names to resolve, by name: <c>Health:Dns:&lt;name&gt;:Host</c>, ...</summary>
    public Dictionary<string, DnsProbeOptions> Dns { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Who may read <c>/health/details</c> (and whether the operator endpoints are served at all).</summary>
    public DetailsOptions Details { get; set; } = new();

    /// <summary>Who may turn maintenance on and off through <c>/health/maintenance</c>.</summary>
    public MaintenanceOptions Maintenance { get; set; } = new();

    /// <summary>How much of the recent past <c>/health/history</c> and <c>/health/ui</c> show (<c>Health:History</c>).</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>Webhooks told about status changes.</summary>
    public AlertOptions Alerts { get; set; } = new();

    /// <summary>The gRPC health checking protocol of the standalone service (<c>Health:Grpc</c>).</summary>
    public GrpcOptions Grpc { get; set; } = new();

    /// <summary>Metrics besides the <c>HealthService</c> meter: CloudWatch EMF on stdout.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Whether the instance's identity is asked of the cloud's metadata services (<c>Health:Identity</c>).</summary>
    public HealthService.Identity.IdentityOptions Identity { get; set; } = new();

    /// <summary>The staleness bound in force: <see cref="MaxAge"/> or, when unset, three intervals.</summary>
    public TimeSpan EffectiveMaxAge => MaxAge ?? Interval * 3;

    /// <summary>A probe's deadline: its own timeout, else <see cref="Timeout"/>.</summary>
    public TimeSpan DeadlineOf(TimeSpan? probeTimeout) => probeTimeout ?? Timeout;
}
