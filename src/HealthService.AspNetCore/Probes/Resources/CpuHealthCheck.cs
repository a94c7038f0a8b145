using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Resources;

/// <summary>
/// CPU usage since the previous round against the container's CPU quota or, without one, the cores available.
/// The first round only takes a baseline.
/// </summary>
internal sealed class CpuHealthCheck(CpuProbeOptions options, IResourceReader reader, TimeProvider time) : IHealthCheck
{
    private readonly HysteresisClassifier _classifier = new(options);
    private readonly Lock _gate = new();
    private (TimeSpan CpuTime, long Timestamp)? _previous;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reading = reader.ReadCpu();
        var now = time.GetTimestamp();
        (TimeSpan CpuTime, long Timestamp)? previous;
        lock (_gate)
        {
            previous = _previous;
            _previous = (reading.CpuTime, now);
        }

        if (previous is not { } before || reading.CapacityCores <= 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("cpu: baseline taken, usage is reported from the next round"));
        }

        var wall = time.GetElapsedTime(before.Timestamp, now);
        var used = reading.CpuTime - before.CpuTime;
        var percent = wall > TimeSpan.Zero ? Math.Clamp(100.0 * used / (wall * reading.CapacityCores), 0, 100) : 0;
        var status = _classifier.Classify(percent);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"cpu {percent:0.0}% of {reading.CapacityCores:0.##} cores ({reading.Source})");
        var data = new Dictionary<string, object>
        {
            ["percent"] = Math.Round(percent, 1),
            ["capacityCores"] = reading.CapacityCores,
            ["source"] = reading.Source,
        };
        return Task.FromResult(ResourceResult.From(status, context, description, data));
    }
}
