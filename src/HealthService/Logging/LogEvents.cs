namespace HealthService.Logging;

/// <summary>The events of the service's own logging, with fixed event ids (the pipeline's are in the library).</summary>
internal static partial class LogEvents
{
    /// <summary>Written once the log output flows again after a stall, for the events dropped meanwhile.</summary>
    [LoggerMessage(EventId = 1300, EventName = "LogEventsDropped", Level = LogLevel.Warning,
        Message = "{Dropped} log events were dropped while the log output was stalled ({TotalDropped} since start)")]
    public static partial void LogEventsDropped(this ILogger logger, long dropped, long totalDropped);

    [LoggerMessage(EventId = 1301, EventName = "RequestsCounted", Level = LogLevel.Information,
        Message = "Counted, not logged one by one, in the last {Period}: {Unmatched} requests for unknown paths or methods, {RefusedDetails} refused requests for the detailed view")]
    public static partial void RequestsCounted(this ILogger logger, long unmatched, long refusedDetails, TimeSpan period);
}
