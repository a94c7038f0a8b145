using HealthService.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthService.Pipeline;

/// <summary>
/// The only place probes run: every <c>Health:Interval</c> it evaluates all registered probes concurrently, each
/// under its deadline, and publishes the results as a snapshot. <c>/health</c> reads that snapshot, so request
/// rate never turns into load on a dependency.
/// </summary>
internal sealed class HealthEvaluationService(
    IOptions<HealthCheckServiceOptions> checks,
    IOptions<HealthOptions> options,
    HealthSnapshotStore store,
    IEnumerable<IHealthSnapshotListener> listeners,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<HealthEvaluationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var runners = checks.Value.Registrations
            .Select(registration => new ProbeRunner(registration, DeadlineOf(registration, settings), scopes, time, SecretRedactor.From(scopes)))
            .ToArray();
        logger.PipelineStarted(runners.Length, settings.Interval, settings.Timeout, settings.EffectiveMaxAge);
        foreach (var runner in runners)
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
                    await EvaluateRoundAsync(runners, settings.EffectiveMaxAge, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Keep going: a round that fails leaves the snapshot to age, and staleness turns /health to 503.
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

    internal async Task EvaluateRoundAsync(ProbeRunner[] runners, TimeSpan maxAge, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        var tasks = new Task<HealthReportEntry>[runners.Length];
        for (var i = 0; i < runners.Length; i++)
        {
            tasks[i] = runners[i].RunAsync(stoppingToken);
        }

        var results = await Task.WhenAll(tasks).ConfigureAwait(false);

        var entries = new Dictionary<string, HealthReportEntry>(runners.Length, StringComparer.OrdinalIgnoreCase);
        var isReady = true;
        for (var i = 0; i < runners.Length; i++)
        {
            entries[runners[i].Registration.Name] = results[i];
            isReady &= !runners[i].IsCritical || results[i].Status != HealthStatus.Unhealthy;
        }

        var report = new HealthReport(entries, time.GetElapsedTime(started));
        var completed = time.GetTimestamp();
        var staleAfter = completed + (long)(maxAge.TotalSeconds * time.TimestampFrequency);
        var snapshot = new HealthSnapshot(report, isReady, time.GetUtcNow(), staleAfter);

        // Published first: /health must not wait for the log sink.
        var previous = store.Current;
        store.Publish(snapshot);
        LogChanges(previous, snapshot);
        foreach (var listener in listeners)
        {
            try
            {
                listener.OnPublished(previous, snapshot);
            }
            catch (Exception ex)
            {
                logger.SnapshotListenerFailed(listener.GetType().Name, ex);
            }
        }
    }

    private void LogChanges(HealthSnapshot? previous, HealthSnapshot current)
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

        var readinessLevel = current.IsReady ? LogLevel.Information : LogLevel.Warning;
        if ((previous is null || previous.IsReady != current.IsReady) && logger.IsEnabled(readinessLevel))
        {
            var from = previous is null ? "Starting" : Readiness(previous);
            logger.ReadinessChanged(readinessLevel, from, Readiness(current), FailingCritical(current.Report));
        }
    }

    private static string Readiness(HealthSnapshot snapshot) => snapshot.IsReady ? "Ready" : "NotReady";

    private static string FailingCritical(HealthReport report) => string.Join(", ", report.Entries
        .Where(e => e.Value.Status == HealthStatus.Unhealthy && HealthTags.IsCritical(e.Value.Tags))
        .Select(e => e.Key));

    // A registration without a timeout of its own (zero or infinite) takes Health:Timeout.
    private static TimeSpan DeadlineOf(HealthCheckRegistration registration, HealthOptions settings) =>
        settings.DeadlineOf(registration.Timeout > TimeSpan.Zero && registration.Timeout != System.Threading.Timeout.InfiniteTimeSpan
            ? registration.Timeout
            : null);
}
