namespace HealthService.Probes.Resources;

/// <summary>
/// Settings shared by the resource probes (memory, CPU, disk). Values are percentages of the resource in use.
/// </summary>
/// <remarks>
/// Resource probes are non-critical by default: a CPU spike or a full cache usually passes, and a fleet whose
/// instances all leave the load balancer at once because of load serves nobody.
/// </remarks>
public abstract class ResourceProbeOptions
{
    /// <summary>Sets the thresholds a kind of resource starts with.</summary>
    /// <param name="degradedPercent">The default <see cref="DegradedPercent"/>.</param>
    /// <param name="unhealthyPercent">The default <see cref="UnhealthyPercent"/>.</param>
    /// <param name="hysteresisPercent">The default <see cref="HysteresisPercent"/>.</param>
    private protected ResourceProbeOptions(double degradedPercent, double unhealthyPercent, double hysteresisPercent)
    {
        DegradedPercent = degradedPercent;
        UnhealthyPercent = unhealthyPercent;
        HysteresisPercent = hysteresisPercent;
    }

    /// <summary>Whether the probe runs (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether a failure of this probe takes the instance out of rotation (<c>503</c> on <c>/health</c>).</summary>
    public bool Critical { get; set; }

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Usage (percent) at or above which the probe reports Degraded.</summary>
    public double DegradedPercent { get; set; }

    /// <summary>Usage (percent) at or above which the probe reports Unhealthy.</summary>
    public double UnhealthyPercent { get; set; }

    /// <summary>How far (percentage points) usage must fall below a threshold before the status improves again.</summary>
    public double HysteresisPercent { get; set; }

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

/// <summary><c>Health:Memory</c>: the container's cgroup (less inactive file cache) against its limit, or the host's memory in use.</summary>
public sealed class MemoryProbeOptions() : ResourceProbeOptions(degradedPercent: 85, unhealthyPercent: 95, hysteresisPercent: 5);

/// <summary><c>Health:Cpu</c>: CPU usage since the previous round against the CPU quota or the cores available.</summary>
public sealed class CpuProbeOptions() : ResourceProbeOptions(degradedPercent: 80, unhealthyPercent: 95, hysteresisPercent: 5);

/// <summary><c>Health:Disk</c>: space used on the file systems holding <see cref="Paths"/>.</summary>
public sealed class DiskProbeOptions() : ResourceProbeOptions(degradedPercent: 90, unhealthyPercent: 95, hysteresisPercent: 2)
{
    /// <summary>Paths whose file systems are checked. Empty means <c>/</c>.</summary>
    // An array, not a list with a default element: the configuration binder appends to existing elements.
    public string[] Paths { get; set; } = [];

    internal IReadOnlyList<string> EffectivePaths => Paths.Length == 0 ? ["/"] : Paths;
}
