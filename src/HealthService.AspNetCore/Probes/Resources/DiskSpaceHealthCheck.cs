using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Resources;

/// <summary>Space used on the file system of each configured path; the fullest one decides the status.</summary>
internal sealed class DiskSpaceHealthCheck(DiskProbeOptions options) : IHealthCheck
{
    private readonly Dictionary<string, HysteresisClassifier> _classifiers =
        options.EffectivePaths.Distinct(StringComparer.Ordinal).ToDictionary(path => path, _ => new HysteresisClassifier(options), StringComparer.Ordinal);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var worst = HealthStatus.Healthy;
        var parts = new List<string>(_classifiers.Count);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (path, classifier) in _classifiers)
        {
            // On Linux DriveInfo takes any path and reports the file system that holds it (statfs).
            var drive = new DriveInfo(path);
            var total = drive.TotalSize;
            var free = drive.AvailableFreeSpace;
            var percent = total > 0 ? 100.0 * (total - free) / total : 0;
            var status = classifier.Classify(percent);
            worst = status < worst ? status : worst;
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path} {percent:0.0}% used ({free / 1048576} MiB free of {total / 1048576} MiB)"));
            data[path] = Math.Round(percent, 1);
        }

        return Task.FromResult(ResourceResult.From(worst, context, "disk " + string.Join("; ", parts), data));
    }
}
