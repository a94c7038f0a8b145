namespace HealthService.Pipeline;

/// <summary>
/// Tells the <see cref="IReadinessChangeListener"/>s (alerts, the history) of readiness changes the loop cannot
/// publish: <c>Stale</c> by time alone (a loop that is stuck publishes nothing, so it cannot report its own staleness),
/// and maintenance or a drain the moment they begin rather than at the next round. The loop's own publishes still
/// reach them as snapshot listeners; each judges the verdict of the moment itself, whoever calls, and drops a state it
/// has already seen.
/// </summary>
internal sealed class ReadinessChangeWatcher(
    HealthReadiness changes,
    IEnumerable<IReadinessChangeListener> listeners,
    ILogger<ReadinessChangeWatcher> logger) : BackgroundService
{
    private readonly IReadinessChangeListener[] _listeners = [.. listeners];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_listeners.Length == 0)
        {
            return;
        }

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

            foreach (var listener in _listeners)
            {
                try
                {
                    listener.OnReadinessChanged();
                }
#pragma warning disable CA1031 // A listener's failure must not end the watching; it is reported like a snapshot listener's.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    logger.SnapshotListenerFailed(listener.GetType().Name, ex);
                }
            }
        }
    }
}
