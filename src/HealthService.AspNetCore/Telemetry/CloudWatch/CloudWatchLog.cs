namespace HealthService;

internal static partial class Log
{
    [LoggerMessage(EventId = 1600, EventName = "CloudWatchMetricsStarted", Level = LogLevel.Information,
        Message = "CloudWatch metrics go to stdout as EMF documents: namespace {Namespace}, ServiceName {ServiceName}, at most {QueueCapacity} waiting")]
    public static partial void CloudWatchMetricsStarted(this ILogger logger, string @namespace, string serviceName, int queueCapacity);

    /// <summary>Written once the queue has drained after a stall, for the documents dropped meanwhile.</summary>
    [LoggerMessage(EventId = 1601, EventName = "EmfDocumentsDropped", Level = LogLevel.Warning,
        Message = "{Dropped} CloudWatch EMF documents were dropped while stdout was stalled ({TotalDropped} since start)")]
    public static partial void EmfDocumentsDropped(this ILogger logger, long dropped, long totalDropped);

    [LoggerMessage(EventId = 1602, EventName = "EmfOutputFailed", Level = LogLevel.Error,
        Message = "Writing CloudWatch EMF documents to stdout failed ({Failure}); documents are dropped until a write succeeds")]
    public static partial void EmfOutputFailed(this ILogger logger, string failure);

    [LoggerMessage(EventId = 1603, EventName = "EmfWriterFailed", Level = LogLevel.Error,
        Message = "The CloudWatch EMF writer stopped; no further documents are written")]
    public static partial void EmfWriterFailed(this ILogger logger, Exception exception);
}
