using System.Diagnostics.Metrics;
using HealthService.Pipeline;

namespace HealthService.Telemetry;

/// <summary>
/// The <c>HealthService</c> meter: readiness as <c>/health</c> answers it, each probe's status and the age of its
/// result, the snapshot's age, how long probes and rounds take, and how often probes change status.
/// </summary>
internal sealed class HealthMetrics : IHealthSnapshotListener
{
    public const string MeterName = HealthServiceMeter.Name;

    private readonly HealthSnapshotStore _store;
    private readonly ReadinessDecision _readiness;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _probeDuration;
    private readonly Histogram<double> _roundDuration;
    private readonly Counter<long> _transitions;

    public HealthMetrics(IMeterFactory meters, HealthSnapshotStore store, ReadinessDecision readiness, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _store = store;
        _readiness = readiness;
        _time = time;
        Meter = meters.Create(MeterName);
        Meter.CreateObservableGauge("healthservice.probe.status", ObserveProbes, unit: "{status}",
            description: "Status of each probe's latest result: 2 Healthy, 1 Degraded, 0 Unhealthy.");
        Meter.CreateObservableGauge("healthservice.probe.age", ObserveProbeAges, unit: "s",
            description: "Time since each probe's latest result completed.");
        Meter.CreateObservableGauge("healthservice.ready", ObserveReadiness, unit: "{ready}",
            description: "1 when /health answers 200 OK, else 0 (Unhealthy, Starting, Stale, Draining).");
        Meter.CreateObservableGauge("healthservice.snapshot.age", ObserveSnapshotAge, unit: "s",
            description: "Time since the evaluation loop last published a snapshot (a result or its heartbeat).");
        _probeDuration = Meter.CreateHistogram<double>("healthservice.probe.duration", unit: "s",
            description: "Time each probe took, up to its deadline.");
        _roundDuration = Meter.CreateHistogram<double>("healthservice.evaluation.duration", unit: "s",
            description: "Time from the start of a round until its last probe completed, all probes running concurrently.");
        _transitions = Meter.CreateCounter<long>("healthservice.probe.transitions", unit: "{transition}",
            description: "Changes of a probe's status.");
    }

    /// <summary>The meter itself, for instruments that other parts of the service add (dropped log events).</summary>
    internal Meter Meter { get; }

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
    {
        ArgumentNullException.ThrowIfNull(current);
        foreach (var (name, entry) in current.Report.Entries)
        {
            DateTimeOffset before = default;
            if (previous is not null && previous.ResultTimes.TryGetValue(name, out before) && before == current.ResultTimes[name])
            {
                continue; // not a new result of this probe
            }

            _probeDuration.Record(entry.Duration.TotalSeconds, new KeyValuePair<string, object?>("probe", name), new("status", entry.Status.ToString()));
            if (previous is not null && previous.Report.Entries.TryGetValue(name, out var earlier) && earlier.Status != entry.Status)
            {
                _transitions.Add(1, new KeyValuePair<string, object?>("probe", name), new("from", earlier.Status.ToString()), new("to", entry.Status.ToString()));
            }
        }
    }

    public void OnRoundCompleted(HealthSnapshot current, TimeSpan duration) => _roundDuration.Record(duration.TotalSeconds);

    private IEnumerable<Measurement<int>> ObserveProbes()
    {
        var snapshot = _store.Current;
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var (name, entry) in snapshot.Report.Entries)
        {
            yield return new Measurement<int>(ProbeStatusValue.Of(entry.Status), new KeyValuePair<string, object?>("probe", name),
                new("critical", HealthTags.IsCritical(entry.Tags)));
        }
    }

    private IEnumerable<Measurement<double>> ObserveProbeAges()
    {
        var snapshot = _store.Current;
        if (snapshot is null)
        {
            yield break;
        }

        var now = _time.GetUtcNow();
        foreach (var (name, completedAt) in snapshot.ResultTimes)
        {
            yield return new Measurement<double>((now - completedAt).TotalSeconds, new KeyValuePair<string, object?>("probe", name));
        }
    }

    private int ObserveReadiness() => _readiness.Current == Readiness.Ok ? 1 : 0;

    private IEnumerable<Measurement<double>> ObserveSnapshotAge()
    {
        if (_store.Current is { } snapshot)
        {
            yield return new Measurement<double>((_time.GetUtcNow() - snapshot.CompletedAt).TotalSeconds);
        }
    }
}
