using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Resources;

/// <summary>
/// Memory in use as the OOM killer counts it: the container's whole cgroup, less inactive file cache, against its
/// limit (cgroup v2 or v1); without a limit, the host's memory in use. This process's own working set is reported too.
/// </summary>
internal sealed class MemoryHealthCheck(MemoryProbeOptions options, IResourceReader reader) : IHealthCheck
{
    private readonly HysteresisClassifier _classifier = new(options);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reading = reader.ReadMemory();
        var percent = reading.LimitBytes > 0 ? 100.0 * reading.UsedBytes / reading.LimitBytes : 0;
        var status = _classifier.Classify(percent);
        var measured = reading.Source switch
        {
            "cgroup" => "whole cgroup against its limit",
            "host" => "whole host, no cgroup limit",
            _ => "this process only",
        };
        var description = string.Create(CultureInfo.InvariantCulture,
            $"memory {percent:0.0}% used ({reading.UsedBytes / 1048576} MiB of {reading.LimitBytes / 1048576} MiB, {measured}; this process {reading.ProcessBytes / 1048576} MiB)");
        var data = new Dictionary<string, object>
        {
            ["usedBytes"] = reading.UsedBytes,
            ["limitBytes"] = reading.LimitBytes,
            ["percent"] = Math.Round(percent, 1),
            ["source"] = reading.Source,
            ["processBytes"] = reading.ProcessBytes,
        };
        return Task.FromResult(ResourceResult.From(status, context, description, data));
    }
}
