using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Resources;

/// <summary>
/// Working set against the container's memory limit (cgroup v2 or v1) or, outside a container, physical memory.
/// </summary>
public sealed class MemoryHealthCheck(MemoryProbeOptions options, IResourceReader reader) : IHealthCheck
{
    private readonly HysteresisClassifier _classifier = new(options);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reading = reader.ReadMemory();
        var percent = reading.LimitBytes > 0 ? 100.0 * reading.UsedBytes / reading.LimitBytes : 0;
        var status = _classifier.Classify(percent);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"memory {percent:0.0}% used ({reading.UsedBytes / 1048576} MiB of {reading.LimitBytes / 1048576} MiB, {reading.Source} limit)");
        var data = new Dictionary<string, object>
        {
            ["usedBytes"] = reading.UsedBytes,
            ["limitBytes"] = reading.LimitBytes,
            ["percent"] = Math.Round(percent, 1),
            ["source"] = reading.Source,
        };
        return Task.FromResult(ResourceResult.From(status, context, description, data));
    }
}
