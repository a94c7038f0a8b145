namespace HealthService.Probes.MySql;

/// <summary><c>Health:MySql:&lt;name&gt;</c>: one MySQL, MariaDB or Aurora MySQL database this instance needs.</summary>
public sealed class MySqlProbeOptions
{
    /// <summary>A MySqlConnector connection string. Its password is never logged or shown.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>On by default: an instance that cannot reach its own database cannot serve.</summary>
    public bool Critical { get; set; } = true;

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>. Connect and command timeouts never exceed it.</summary>
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
