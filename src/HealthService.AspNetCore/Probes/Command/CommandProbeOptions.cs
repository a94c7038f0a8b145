namespace HealthService.Probes.Command;

/// <summary>
/// <c>Health:Command:&lt;name&gt;</c>: an executable run every round, judged by its exit code as Nagios plugins are
/// (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
/// </summary>
public sealed class CommandProbeOptions
{
    /// <summary>Absolute path of an executable file. No shell is involved.</summary>
    public string? Path { get; set; }

    /// <summary>Arguments, one per element (<c>Arguments:0</c>, <c>Arguments:1</c>, ...), passed as they are.</summary>
    public string[] Arguments { get; set; } = [];

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>. At the deadline the command's process group is killed.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Variables passed to the command (<c>Environment:&lt;VAR&gt;</c>), besides PATH and LANG.</summary>
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Off by default: whether a failure takes the instance out of rotation (<c>503</c> on <c>/health</c>).</summary>
    public bool Critical { get; set; }

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
