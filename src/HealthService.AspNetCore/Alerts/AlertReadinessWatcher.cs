using HealthService.Pipeline;

namespace HealthService.Alerts;

/// <summary>
/// Tells the tracker of readiness changes the loop cannot publish: <c>Stale</c> by time alone (a loop that is stuck
/// publishes nothing, so it cannot report its own staleness), and maintenance or a drain the moment they begin rather
/// than at the next round. The loop's own publishes still reach the tracker as before; the tracker judges the verdict
/// of the moment itself, whoever calls, and drops a state it has already seen.
/// </summary>
internal sealed class AlertReadinessWatcher(
    HealthReadiness changes,
    AlertTracker tracker,
    ILogger<AlertReadinessWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seen = changes.Current;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                seen = await changes.WaitForChangeAsync(seen, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                tracker.OnReadinessChanged();
            }
#pragma warning disable CA1031 // A failure to alert must not end the watching; it is reported like a listener's.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.SnapshotListenerFailed(nameof(AlertReadinessWatcher), ex);
            }
        }
    }
}
