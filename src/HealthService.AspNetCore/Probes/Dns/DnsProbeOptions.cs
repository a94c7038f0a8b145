namespace HealthService.Probes.Dns;

/// <summary><c>Health:Dns:&lt;name&gt;</c>: a host name this instance needs to resolve.</summary>
public sealed class DnsProbeOptions
{
    /// <summary>The DNS host name to resolve, e.g. <c>orders.cluster-abc.eu-west-1.rds.amazonaws.com</c>.</summary>
    public string? Host { get; set; }

    /// <summary>
    /// Unset or empty (the default): the system resolver the application itself uses (<c>/etc/resolv.conf</c>, in a
    /// VPC the Route 53 Resolver). Set to an IP address and port (<c>169.254.169.253:53</c>): the probe asks that
    /// server itself and reads its answer code exactly.
    /// </summary>
    public string? Server { get; set; }

    /// <summary>
    /// Off by default: a resolver is shared by the whole fleet, and its outage would otherwise take every instance
    /// out of the load balancer at once.
    /// </summary>
    public bool Critical { get; set; }

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// How often this probe runs, when less often than every round: at least <c>Health:Interval</c>, at most 1 hour.
    /// Unset: every round. Its result's staleness bound grows with it.
    /// </summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Consecutive failed results before the probe reports Unhealthy (1-10; 1: at once). Rides out a single blip.</summary>
    public int FailuresBeforeUnhealthy { get; set; } = 1;

    /// <summary>Consecutive good results before a failed probe reports healthy again (1-10; 1: at once).</summary>
    public int SuccessesBeforeHealthy { get; set; } = 1;
}
