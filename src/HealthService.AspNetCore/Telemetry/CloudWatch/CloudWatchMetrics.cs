using HealthService.Identity;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Telemetry.CloudWatch;

/// <summary>
/// Turns the loop's snapshots into EMF documents: at the end of each round one with <c>Ready</c> and one per probe
/// with <c>ProbeStatus</c> (and <c>ProbeDuration</c> when its result is new), and one with <c>Ready</c> whenever the
/// verdict changes. It renders and enqueues; the writer's own thread does the I/O.
/// </summary>
/// <remarks>Called on the loop's thread, one call at a time, so its state needs no lock.</remarks>
internal sealed class CloudWatchMetrics(EmfWriter writer, EmfSettings settings, InstanceIdentityProvider identity) : IHealthSnapshotListener
{
    private readonly Dictionary<string, DateTimeOffset> _reportedResults = new(StringComparer.OrdinalIgnoreCase);

    // As the log: the service starts Starting, so the first verdict of Starting is no change.
    private Readiness _verdict = Readiness.Starting;

    private EmfSource Source => new(settings.Namespace, settings.ServiceName, identity.Current?.Id);

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (readiness == _verdict)
        {
            return;
        }

        var before = _verdict;
        _verdict = readiness;
        writer.Enqueue(EmfDocument.ReadinessChanged(Source, current.CompletedAt, before, readiness, FailingCritical(current.Report)));
    }

    public void OnRoundCompleted(HealthSnapshot current, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(current);
        var source = Source;
        writer.Enqueue(EmfDocument.Round(source, current.CompletedAt, _verdict));
        foreach (var (name, entry) in current.Report.Entries)
        {
            // A probe with an interval of its own keeps its result over several rounds: its status is reported each
            // round (it still holds), its duration once (it was measured once).
            var completedAt = current.ResultTimes[name];
            var isNew = !_reportedResults.TryGetValue(name, out var reported) || reported != completedAt;
            _reportedResults[name] = completedAt;
            writer.Enqueue(EmfDocument.Probe(source, current.CompletedAt, name, entry.Status, HealthTags.IsCritical(entry.Tags),
                isNew ? entry.Duration.TotalMilliseconds : null));
        }
    }

    private static IEnumerable<string> FailingCritical(HealthReport report) => report.Entries
        .Where(e => e.Value.Status == HealthStatus.Unhealthy && HealthTags.IsCritical(e.Value.Tags))
        .Select(e => e.Key);
}
