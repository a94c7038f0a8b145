using System.Globalization;
using HealthService.Lifecycle;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.History;

/// <summary>
/// The recent past, in memory: every probe result and every change of the readiness verdict over
/// <c>Health:History:Window</c>, at most <c>Health:History:MaxEntries</c> of each, so memory stays bounded however many
/// probes run and however often. Lost on restart by design: the durable record is the logs and the metrics.
/// </summary>
/// <remarks>
/// Results arrive with each published snapshot, on the loop's thread; verdict changes that no publish brings (a result
/// going stale, maintenance, a drain) arrive from <see cref="ReadinessChangeWatcher"/>. Both only append under one
/// lock, and the verdict is judged under it whoever calls, so transitions are recorded in the order they happened.
/// That lock is taken inside the loop's own, so a reader holds it only to take a <see cref="HistorySnapshot"/>: a few
/// references per probe into segments that are never written over (<see cref="SegmentedLog{T}"/>), never a copy of
/// the records. Nothing here runs a probe.
/// </remarks>
internal sealed class HealthHistory : IHealthSnapshotListener, IReadinessChangeListener
{
    // A reason is for reading at a glance; the details view has the whole description.
    private const int MaxReasonLength = 200;

    private readonly Lock _gate = new();
    private readonly Lazy<HistoryOptions> _options;
    private readonly TimeProvider _time;
    private readonly HealthSnapshotStore _store;
    private readonly ReadinessDecision _decision;
    private readonly MaintenanceState _maintenance;
    private readonly Dictionary<string, ProbeLog> _probes = new(StringComparer.Ordinal);
    private readonly SegmentedLog<ReadinessTransition> _transitions = new();
    private Readiness _readiness = Readiness.Starting;
    private DateTimeOffset _since;
    private readonly DateTimeOffset _started;

    /// <param name="options">
    /// <c>Health:History</c>, read on first use: the options are validated when the host starts, after the endpoints
    /// that read the history are mapped.
    /// </param>
    public HealthHistory(Lazy<HistoryOptions> options, TimeProvider time, HealthSnapshotStore store, ReadinessDecision decision, MaintenanceState maintenance)
    {
        _options = options;
        _time = time;
        _store = store;
        _decision = decision;
        _maintenance = maintenance;
        _started = time.GetUtcNow();
        _since = _started; // the service is starting from the moment it exists
    }

    /// <summary>How far back the history reaches.</summary>
    public TimeSpan Window => _options.Value.Window;

    /// <summary>The most results kept for each probe, and the most transitions kept.</summary>
    public int MaxEntries => _options.Value.MaxEntries;

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
    {
        ArgumentNullException.ThrowIfNull(current);
        lock (_gate)
        {
            var horizon = _time.GetUtcNow() - Window;
            foreach (var (name, entry) in current.Report.Entries)
            {
                if (!current.ResultTimes.TryGetValue(name, out var at))
                {
                    continue;
                }

                if (!_probes.TryGetValue(name, out var log))
                {
                    log = new ProbeLog();
                    _probes.Add(name, log);
                }
                else if (at <= log.LastAt)
                {
                    continue; // the same result, published again with another probe's
                }

                var raw = current.RawResults.TryGetValue(name, out var rawEntry) ? rawEntry.Status : entry.Status;
                log.LastAt = at;
                log.Results.Append(new ProbeResultRecord(at, entry.Status, raw, entry.Duration.TotalMilliseconds));
                Trim(log.Results, horizon, static result => result.At);
            }

            ObserveReadiness();
        }
    }

    /// <summary>The verdict may have changed without a publish: records it if it did.</summary>
    public void OnReadinessChanged()
    {
        lock (_gate)
        {
            ObserveReadiness();
        }
    }

    /// <summary>The history within the window, as of now, by reference: what <c>/health/history</c> streams.</summary>
    public HistorySnapshot Snapshot()
    {
        lock (_gate)
        {
            ObserveReadiness(); // a change by time alone that the watcher has not told yet
            var now = _time.GetUtcNow();
            var horizon = now - Window;
            Trim(_transitions, horizon, static transition => transition.At);
            var probes = new List<KeyValuePair<string, SegmentedLog<ProbeResultRecord>.Slice>>(_probes.Count);
            foreach (var (name, log) in _probes)
            {
                Trim(log.Results, horizon, static result => result.At);
                probes.Add(new(name, log.Results.Take()));
            }

            probes.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return new HistorySnapshot(now, Window, _started, _readiness, _since, _transitions.Take(), probes);
        }
    }

    /// <summary>
    /// The history within the window, as of now: what the status page draws, over the stored records of a
    /// <see cref="Snapshot"/> (no copy of them: a day of results would be tens of megabytes a view).
    /// </summary>
    public HistoryView Read()
    {
        var snapshot = Snapshot();
        var probes = new SortedDictionary<string, IReadOnlyList<ProbeResultRecord>>(StringComparer.Ordinal);
        foreach (var (name, results) in snapshot.Probes)
        {
            probes.Add(name, results);
        }

        return new HistoryView(snapshot.Now, snapshot.Window, snapshot.Started, snapshot.Readiness, snapshot.Since, snapshot.Transitions, probes);
    }

    /// <summary>Under the gate: judges the verdict now and records a transition when it differs from the last one.</summary>
    private void ObserveReadiness()
    {
        var snapshot = _store.Current;
        var now = _decision.Of(snapshot);
        if (now == _readiness)
        {
            return;
        }

        var at = _time.GetUtcNow();
        var (reason, probes) = Explain(snapshot, now, at);
        _transitions.Append(new ReadinessTransition(at, _readiness, now, reason, probes));
        Trim(_transitions, at - Window, static transition => transition.At);
        _readiness = now;
        _since = at;
    }

    private (string Reason, IReadOnlyList<string> Probes) Explain(HealthSnapshot? snapshot, Readiness readiness, DateTimeOffset now)
    {
        var critical = snapshot?.Report.Entries.Where(entry => HealthTags.IsCritical(entry.Value.Tags)).ToArray() ?? [];
        switch (readiness)
        {
            case Readiness.Ok:
                return ("every critical probe passes", []);
            case Readiness.Unhealthy:
                var failing = critical.Where(entry => entry.Value.Status == HealthStatus.Unhealthy).OrderBy(entry => entry.Key, StringComparer.Ordinal).ToArray();
                return (string.Join("; ", failing.Select(entry => $"{entry.Key}: {Shorten(entry.Value.Description ?? "Unhealthy")}")), [.. failing.Select(entry => entry.Key)]);
            case Readiness.Starting:
                return ("waiting for the first result of every critical probe", []);
            case Readiness.Stale:
                if (snapshot is not null && critical.Length > 0)
                {
                    var oldest = critical.MinBy(entry => snapshot.ResultTimes.GetValueOrDefault(entry.Key, DateTimeOffset.MinValue));
                    var age = now - snapshot.ResultTimes.GetValueOrDefault(oldest.Key, now);
                    return ($"no fresh result within Health:MaxAge: the oldest critical result is {oldest.Key}'s, {age.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s old (a hung probe or a stuck evaluation loop)", [oldest.Key]);
                }

                return ("no fresh result within Health:MaxAge (a stuck evaluation loop)", []);
            case Readiness.Maintenance:
                return (_maintenance.Current is { } window ? $"maintenance: {Shorten(window.Reason)}" : "maintenance", []);
            case Readiness.Draining:
                return ("shutting down", []);
            default:
                return (readiness.ToString(), []);
        }
    }

    private static string Shorten(string text) => text.Length <= MaxReasonLength ? text : string.Concat(text.AsSpan(0, MaxReasonLength - 1), "…");

    /// <summary>Drops what is older than the window, and the oldest beyond the bound.</summary>
    private void Trim<T>(SegmentedLog<T> entries, DateTimeOffset horizon, Func<T, DateTimeOffset> at)
    {
        while (entries.Count > MaxEntries || (entries.Count > 0 && at(entries.First) < horizon))
        {
            entries.DropFirst();
        }
    }

    private sealed class ProbeLog
    {
        public SegmentedLog<ProbeResultRecord> Results { get; } = new();

        public DateTimeOffset LastAt { get; set; } = DateTimeOffset.MinValue;
    }
}
