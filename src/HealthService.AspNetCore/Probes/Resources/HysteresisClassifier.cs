using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Resources;

/// <summary>
/// Maps a usage percentage to a status with hysteresis: the status gets worse as soon as a threshold is reached,
/// but gets better only once usage falls <c>hysteresis</c> points below it, so a value hovering at a threshold does
/// not flip the status (and the logs, and the alerts) every round.
/// </summary>
internal sealed class HysteresisClassifier(double degradedPercent, double unhealthyPercent, double hysteresisPercent)
{
    private readonly Lock _gate = new();
    private HealthStatus _current = HealthStatus.Healthy;

    public HysteresisClassifier(ResourceProbeOptions options)
        : this(options?.DegradedPercent ?? 0, options?.UnhealthyPercent ?? 0, options?.HysteresisPercent ?? 0)
    {
    }

    public HealthStatus Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public HealthStatus Classify(double percent)
    {
        lock (_gate)
        {
            var rising = StatusAt(percent, 0);
            if (rising < _current)
            {
                // HealthStatus orders Unhealthy < Degraded < Healthy: a lower value is worse.
                _current = rising;
            }
            else if (rising > _current)
            {
                // Improve only as far as the lowered thresholds allow.
                var falling = StatusAt(percent, hysteresisPercent);
                if (falling > _current)
                {
                    _current = falling;
                }
            }

            return _current;
        }
    }

    private HealthStatus StatusAt(double percent, double margin) =>
        percent >= unhealthyPercent - margin ? HealthStatus.Unhealthy
        : percent >= degradedPercent - margin ? HealthStatus.Degraded
        : HealthStatus.Healthy;
}
