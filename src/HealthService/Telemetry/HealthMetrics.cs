using System.Diagnostics.Metrics;
using HealthService.Pipeline;

namespace HealthService.Telemetry;

/// <summary>
/// The <c>HealthService</c> meter: each probe's status (a gauge read from the latest snapshot), how long probes
/// and rounds take, and how often probes change status.
/// </summary>
public sealed class HealthMetrics : IHealthSnapshotListener
{
    public const string MeterName = "HealthService";

    private readonly HealthSnapshotStore _store;
    private readonly Histogram<double> _probeDuration;
    private readonly Histogram<double> _roundDuration;
    private readonly Counter<long> _transitions;

    public HealthMetrics(IMeterFactory meters, HealthSnapshotStore store)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _store = store;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("healthservice.probe.status", ObserveProbes, unit: "{status}",
            description: "Status of each probe in the latest snapshot: 2 Healthy, 1 Degraded, 0 Unhealthy.");
        meter.CreateObservableGauge("healthservice.ready", ObserveReadiness, unit: "{ready}",
            description: "1 when the latest snapshot makes /health answer OK, else 0.");
        _probeDuration = meter.CreateHistogram<double>("healthservice.probe.duration", unit: "s",
            description: "Time each probe took, up to its deadline.");
        _roundDuration = meter.CreateHistogram<double>("healthservice.evaluation.duration", unit: "s",
            description: "Time an evaluation round took, all probes running concurrently.");
        _transitions = meter.CreateCounter<long>("healthservice.probe.transitions", unit: "{transition}",
            description: "Changes of a probe's status.");
    }

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current)
    {
        ArgumentNullException.ThrowIfNull(current);
        _roundDuration.Record(current.Report.TotalDuration.TotalSeconds);
        foreach (var (name, entry) in current.Report.Entries)
        {
            _probeDuration.Record(entry.Duration.TotalSeconds, new KeyValuePair<string, object?>("probe", name), new("status", entry.Status.ToString()));
            if (previous is not null && previous.Report.Entries.TryGetValue(name, out var before) && before.Status != entry.Status)
            {
                _transitions.Add(1, new KeyValuePair<string, object?>("probe", name), new("from", before.Status.ToString()), new("to", entry.Status.ToString()));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveProbes()
    {
        var snapshot = _store.Current;
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var (name, entry) in snapshot.Report.Entries)
        {
            yield return new Measurement<int>((int)entry.Status, new KeyValuePair<string, object?>("probe", name),
                new("critical", HealthTags.IsCritical(entry.Tags)));
        }
    }

    private int ObserveReadiness() => _store.Current is { IsReady: true } ? 1 : 0;
}
