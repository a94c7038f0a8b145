namespace HealthService.Logging;

/// <summary>
/// Writes the log lines that stand for many: once a minute, how many requests were counted instead of logged
/// (<see cref="UnloggedRequests"/>); and, once the log output flows again after a stall, how many events were
/// dropped meanwhile (<see cref="LogOutputMonitor"/>). Both go through the same bounded queue as every event.
/// </summary>
internal sealed class LogVolumeReporter(
    UnloggedRequests requests,
    LogOutputMonitor output,
    TimeProvider time,
    ILogger<LogVolumeReporter> logger) : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan RequestSummaryEvery = TimeSpan.FromMinutes(1);

    private long _droppedReported;
    private long _droppedLastCheck;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery, time);
        var checksPerSummary = (int)(RequestSummaryEvery / CheckEvery);
        var checks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                ReportDropped();
                if (++checks % checksPerSummary == 0)
                {
                    ReportRequests();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One line per stall, written once drops have stopped: while the output is still stalled it would be dropped too.</summary>
    internal void ReportDropped()
    {
        var dropped = output.Dropped;
        if (dropped > _droppedReported && dropped == _droppedLastCheck)
        {
            LogEvents.LogEventsDropped(logger, dropped - _droppedReported, dropped);
            _droppedReported = dropped;
        }

        _droppedLastCheck = dropped;
    }

    internal void ReportRequests()
    {
        var (unmatched, refusedDetails) = requests.TakeCounts();
        if (unmatched > 0 || refusedDetails > 0)
        {
            LogEvents.RequestsCounted(logger, unmatched, refusedDetails, RequestSummaryEvery);
        }
    }
}
