using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService;

/// <summary>Every log event the service writes, with fixed event ids that alerts and dashboards can match on.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 999, EventName = "PipelineStarted", Level = LogLevel.Information,
        Message = "Evaluating {ProbeCount} probes every {Interval} (default deadline {Timeout}, snapshot stale after {MaxAge})")]
    public static partial void PipelineStarted(this ILogger logger, int probeCount, TimeSpan interval, TimeSpan timeout, TimeSpan maxAge);

    [LoggerMessage(EventId = 1000, EventName = "ProbeRegistered", Level = LogLevel.Information,
        Message = "Probe {Probe} registered (critical: {Critical}, deadline {DeadlineMs} ms)")]
    public static partial void ProbeRegistered(this ILogger logger, string probe, bool critical, double deadlineMs);

    /// <summary>Information when a probe becomes Healthy, Warning otherwise.</summary>
    [LoggerMessage(EventId = 1001, EventName = "ProbeStatusChanged",
        Message = "Probe {Probe} changed from {PreviousStatus} to {Status} in {DurationMs} ms: {Reason}")]
    public static partial void ProbeStatusChanged(this ILogger logger, LogLevel level, string probe, string previousStatus, HealthStatus status, double durationMs, string? reason);

    /// <summary>Information when the instance becomes ready, Warning when it stops being ready.</summary>
    [LoggerMessage(EventId = 1002, EventName = "ReadinessChanged",
        Message = "Readiness changed from {PreviousReadiness} to {Readiness}; failing critical probes: {FailingProbes}")]
    public static partial void ReadinessChanged(this ILogger logger, LogLevel level, string previousReadiness, string readiness, string failingProbes);

    [LoggerMessage(EventId = 1003, EventName = "EvaluationRoundFailed", Level = LogLevel.Error,
        Message = "An evaluation round failed; the next round runs as scheduled")]
    public static partial void EvaluationRoundFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1004, EventName = "SnapshotListenerFailed", Level = LogLevel.Error,
        Message = "{Listener} failed to handle a snapshot")]
    public static partial void SnapshotListenerFailed(this ILogger logger, string listener, Exception exception);

    [LoggerMessage(EventId = 1200, EventName = "DrainStarted", Level = LogLevel.Information,
        Message = "Received {Signal}: /health answers 503 Draining; other requests are served for {DrainDelay}, then the service stops")]
    public static partial void DrainStarted(this ILogger logger, System.Runtime.InteropServices.PosixSignal signal, TimeSpan drainDelay);

    [LoggerMessage(EventId = 1201, EventName = "StoppingNow", Level = LogLevel.Information,
        Message = "Received {Signal}: stopping now")]
    public static partial void StoppingNow(this ILogger logger, System.Runtime.InteropServices.PosixSignal signal);
}
