using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// Flap damping for one probe, as Consul's <c>failures_before_critical</c> and <c>success_before_passing</c>: a probe
/// that was fine reports Unhealthy only after <c>failuresBeforeUnhealthy</c> failed results in a row, and one that
/// failed reports healthy again only after <c>successesBeforeHealthy</c> good results in a row. Until then the previous
/// reported result stands. A probe with no reported result yet reports its first result as it is, so no probe is
/// ever reported healthy before it has succeeded once.
/// </summary>
internal sealed class FlapDamper(int failuresBeforeUnhealthy, int successesBeforeHealthy)
{
    private HealthReportEntry? _reported;
    private int _failures;
    private int _successes;

    /// <summary>Takes a raw result and returns the one to report.</summary>
    public HealthReportEntry Apply(HealthReportEntry raw)
    {
        var failed = raw.Status == HealthStatus.Unhealthy;
        _failures = failed ? _failures + 1 : 0;
        _successes = failed ? 0 : _successes + 1;
        if (_reported is { } reported)
        {
            var wasFailed = reported.Status == HealthStatus.Unhealthy;
            var holding = failed ? !wasFailed && _failures < failuresBeforeUnhealthy : wasFailed && _successes < successesBeforeHealthy;
            if (holding)
            {
                return reported;
            }
        }

        _reported = raw;
        return raw;
    }
}
