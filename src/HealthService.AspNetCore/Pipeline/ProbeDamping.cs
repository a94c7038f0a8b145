namespace HealthService.Pipeline;

/// <summary>Flap-damping thresholds by probe name, from configuration and from registrations in code.</summary>
internal sealed class ProbeDamping
{
    public Dictionary<string, (int FailuresBeforeUnhealthy, int SuccessesBeforeHealthy)> ByProbe { get; } = new(StringComparer.OrdinalIgnoreCase);

    public FlapDamper For(string probe) =>
        ByProbe.TryGetValue(probe, out var thresholds) ? new FlapDamper(thresholds.FailuresBeforeUnhealthy, thresholds.SuccessesBeforeHealthy) : new FlapDamper(1, 1);
}
