namespace HealthService.Pipeline;

/// <summary>
/// Per-probe settings by probe name, from configuration and from registrations in code: flap-damping thresholds and
/// schedules.
/// </summary>
internal sealed class ProbeDamping
{
    /// <summary>Probes that run less often than every round, by name (<c>Health:&lt;kind&gt;:&lt;name&gt;:Interval</c>).</summary>
    public Dictionary<string, TimeSpan> Intervals { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, (int FailuresBeforeUnhealthy, int SuccessesBeforeHealthy)> ByProbe { get; } = new(StringComparer.OrdinalIgnoreCase);

    public FlapDamper For(string probe) =>
        ByProbe.TryGetValue(probe, out var thresholds) ? new FlapDamper(thresholds.FailuresBeforeUnhealthy, thresholds.SuccessesBeforeHealthy) : new FlapDamper(1, 1);
}
