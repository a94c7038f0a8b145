using HealthService.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthService.Pipeline;

/// <summary>
/// The only place probes run. Every <c>Health:Interval</c> the loop beats (a heartbeat that proves it is alive) and
/// starts every probe, each under its own deadline; each result is published the moment its probe completes, so a
/// slow or hung probe delays nothing but its own result. <c>/health</c> reads the latest snapshot, so request rate
/// never turns into load on a dependency.
/// </summary>
internal sealed class HealthEvaluationService(
    IOptions<HealthCheckServiceOptions> checks,
    IOptions<HealthServiceOptions> options,
    HealthSnapshotStore store,
    ReadinessDecision readiness,
    SecretRedactor redactor,
    IEnumerable<IHealthSnapshotListener> listeners,
    IServiceScopeFactory scopes,
    IOptions<ProbeDamping> damping,
    TimeProvider time,
    ILogger<HealthEvaluationService> logger) : BackgroundService
{
    // Publishing is serialised: results arrive from many probes at once, and listeners see one change at a time.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProbeResult> _results = new(StringComparer.OrdinalIgnoreCase);
    private readonly IHealthSnapshotListener[] _listeners = [.. listeners];
    private ProbeRunner[] _runners = [];
    private Dictionary<string, FlapDamper> _dampers = [];
    private Schedule[] _schedules = [];
    private long _heartbeat;
    private TimeSpan _lastRoundDuration;
    private Readiness? _lastReadiness;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        _runners = [.. checks.Value.Registrations.Select(registration =>
            new ProbeRunner(registration, ProbeDeadlines.Of(registration, settings), scopes, time, redactor))];
        _schedules = [.. _runners.Select(r => new Schedule(ProbeDeadlines.IntervalOf(r.Registration, settings, damping.Value), settings))];
        _dampers = _runners.ToDictionary(r => r.Registration.Name, r => damping.Value.For(r.Registration.Name), StringComparer.OrdinalIgnoreCase);
        logger.PipelineStarted(_runners.Length, settings.Interval, settings.Timeout, settings.EffectiveMaxAge);
        foreach (var runner in _runners)
        {
            logger.ProbeRegistered(runner.Registration.Name, runner.IsCritical, runner.Deadline.TotalMilliseconds);
        }

        using var timer = new PeriodicTimer(settings.Interval, time);
        try
        {
            do
            {
                try
                {
                    StartRound(settings.EffectiveMaxAge, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Keep going: a round that fails leaves the results to age, and staleness turns /health to 503.
                    logger.EvaluationRoundFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Beats, then starts every probe without waiting for any of them.</summary>
    internal void StartRound(TimeSpan maxAge, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        lock (_gate)
        {
            _heartbeat = started;
            Publish(maxAge);
        }

        // The first round runs every probe; later ones, those whose own interval has come round.
        var due = Enumerable.Range(0, _runners.Length).Where(i => _schedules[i].IsDue(started, time.TimestampFrequency)).ToArray();
        var round = new RoundProgress(due.Length, started);
        if (due.Length == 0)
        {
            lock (_gate)
            {
                NotifyRoundCompleted(store.Current!, TimeSpan.Zero);
            }
        }

        foreach (var i in due)
        {
            _schedules[i].LastStart = started;
            _ = RunProbeAsync(_runners[i], round, maxAge, stoppingToken);
        }
    }

    private async Task RunProbeAsync(ProbeRunner runner, RoundProgress round, TimeSpan maxAge, CancellationToken stoppingToken)
    {
        try
        {
            // RunAsync never throws and always completes by the probe's deadline.
            var raw = await runner.RunAsync(stoppingToken).ConfigureAwait(false);
            lock (_gate)
            {
                var entry = _dampers[runner.Registration.Name].Apply(raw);
                _results[runner.Registration.Name] = new ProbeResult(entry, raw, runner.IsCritical, time.GetTimestamp(), time.GetUtcNow());
                var snapshot = Publish(maxAge);
                if (round.Complete())
                {
                    _lastRoundDuration = time.GetElapsedTime(round.Started);
                    NotifyRoundCompleted(snapshot, _lastRoundDuration);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping with this probe still in flight: a normal stop, nothing to report.
        }
#pragma warning disable CA1031 // A failure here must not end the loop; the results age and staleness shows it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.EvaluationRoundFailed(ex);
        }
    }

    /// <summary>Builds and publishes the snapshot of the latest results, then tells the log and the listeners. Under the lock.</summary>
    private HealthSnapshot Publish(TimeSpan maxAge)
    {
        var entries = new Dictionary<string, HealthReportEntry>(_results.Count, StringComparer.OrdinalIgnoreCase);
        var times = new Dictionary<string, DateTimeOffset>(_results.Count, StringComparer.OrdinalIgnoreCase);
        var raw = new Dictionary<string, HealthReportEntry>(_results.Count, StringComparer.OrdinalIgnoreCase);
        var isReady = true;
        var awaitsCritical = false;
        var staleAfter = ProbeDeadlines.StaleAfter(_heartbeat, maxAge, time.TimestampFrequency);
        for (var i = 0; i < _runners.Length; i++)
        {
            var runner = _runners[i];
            var name = runner.Registration.Name;
            if (!_results.TryGetValue(name, out var result))
            {
                awaitsCritical |= runner.IsCritical;
                continue;
            }

            entries[name] = result.Entry;
            raw[name] = result.Raw;
            times[name] = result.CompletedAt;
            if (runner.IsCritical)
            {
                isReady &= result.Entry.Status != HealthStatus.Unhealthy;
                staleAfter = Math.Min(staleAfter, ProbeDeadlines.StaleAfter(result.CompletedTimestamp, _schedules[i].MaxAge, time.TimestampFrequency));
            }
        }

        var snapshot = new HealthSnapshot(
            new HealthReport(entries, _lastRoundDuration),
            times,
            isReady && !awaitsCritical,
            awaitsCritical,
            time.GetUtcNow(),
            staleAfter,
            _heartbeat,
            raw);

        // Published first: /health must not wait for the log or a listener.
        var previous = store.Current;
        store.Publish(snapshot);
        var verdict = readiness.Of(snapshot);
        LogChanges(previous, snapshot, verdict);
        foreach (var listener in _listeners)
        {
            try
            {
                listener.OnPublished(previous, snapshot, verdict);
            }
#pragma warning disable CA1031 // One listener's bug must not stop the others or the loop.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.SnapshotListenerFailed(listener.GetType().Name, ex);
            }
        }

        return snapshot;
    }

    private void NotifyRoundCompleted(HealthSnapshot snapshot, TimeSpan duration)
    {
        foreach (var listener in _listeners)
        {
            try
            {
                listener.OnRoundCompleted(snapshot, duration);
            }
#pragma warning disable CA1031 // One listener's bug must not stop the others or the loop.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.SnapshotListenerFailed(listener.GetType().Name, ex);
            }
        }
    }

    private void LogChanges(HealthSnapshot? previous, HealthSnapshot current, Readiness verdict)
    {
        foreach (var (name, entry) in current.Report.Entries)
        {
            HealthReportEntry before = default;
            var hadResult = previous is not null && previous.Report.Entries.TryGetValue(name, out before);
            if (hadResult && before.Status == entry.Status)
            {
                continue;
            }

            var from = hadResult ? before.Status.ToString() : "Starting";
            var level = entry.Status == HealthStatus.Healthy ? LogLevel.Information : LogLevel.Warning;
            logger.ProbeStatusChanged(level, name, from, entry.Status, entry.Duration.TotalMilliseconds, entry.Description);
        }

        if (_lastReadiness == verdict)
        {
            return;
        }

        var previousReadiness = _lastReadiness ?? Readiness.Starting;
        _lastReadiness = verdict;
        if (verdict == previousReadiness)
        {
            return; // the first heartbeat, before any result: still starting, no news
        }

        var readinessLevel = verdict == Readiness.Ok ? LogLevel.Information : LogLevel.Warning;
        if (logger.IsEnabled(readinessLevel))
        {
            logger.ReadinessChanged(readinessLevel, ReadinessDecision.Name(previousReadiness), ReadinessDecision.Name(verdict), FailingCritical(current.Report));
        }
    }

    private static string FailingCritical(HealthReport report) => string.Join(", ", report.Entries
        .Where(e => e.Value.Status == HealthStatus.Unhealthy && HealthTags.IsCritical(e.Value.Tags))
        .Select(e => e.Key));

    /// <param name="Entry">What is reported, after flap damping.</param>
    /// <param name="Raw">The probe's own latest result.</param>
    private sealed record ProbeResult(HealthReportEntry Entry, HealthReportEntry Raw, bool IsCritical, long CompletedTimestamp, DateTimeOffset CompletedAt);

    /// <summary>When a probe runs: every round, or every few rounds for a probe with an interval of its own.</summary>
    private sealed class Schedule(TimeSpan interval, HealthServiceOptions settings)
    {
        public TimeSpan MaxAge { get; } = ProbeDeadlines.MaxAgeOf(interval, settings);

        public long? LastStart { get; set; }

        // Half a round of tolerance: a round that starts a little early still counts as on time.
        public bool IsDue(long now, long frequency) =>
            LastStart is not { } last || (now - last) / (double)frequency >= (interval - (settings.Interval / 2)).TotalSeconds;
    }

    /// <summary>Counts a round's probes down to its end. Used under the lock.</summary>
    private sealed class RoundProgress(int probes, long started)
    {
        private int _remaining = probes;

        public long Started => started;

        public bool Complete() => --_remaining == 0;
    }
}
