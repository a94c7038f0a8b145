namespace HealthService.Probes.Tcp;

/// <summary><c>Health:Tcp:&lt;name&gt;</c>: a TCP port this instance needs to reach (a cache, a broker, a database proxy).</summary>
public sealed class TcpProbeOptions
{
    /// <summary><c>host:port</c> (<c>[::1]:6379</c> for an IPv6 address): a connection must be accepted within the deadline.</summary>
    public string? Address { get; set; }

    /// <summary>Off by default: an open port says little about the service behind it, and a shared one can fail every instance.</summary>
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
