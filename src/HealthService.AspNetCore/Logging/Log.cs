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

    [LoggerMessage(EventId = 1100, EventName = "AlertsStarted", Level = LogLevel.Information,
        Message = "Alerts go to {ReceiverCount} receivers ({Receivers}), at most one event per {CoolDown}, {MaxAttempts} attempts each")]
    public static partial void AlertsStarted(this ILogger logger, int receiverCount, string receivers, TimeSpan coolDown, int maxAttempts);

    /// <summary>An alert could not be delivered: the receiver stayed down for every attempt, or refused the event.</summary>
    [LoggerMessage(EventId = 1101, EventName = "AlertDeliveryFailed", Level = LogLevel.Warning,
        Message = "Alert {PreviousStatus} -> {Status} to {Receiver} given up after {Attempts} attempts: {Failure}")]
    public static partial void AlertDeliveryFailed(this ILogger logger, string receiver, string previousStatus, string status, int attempts, string failure);

    [LoggerMessage(EventId = 1102, EventName = "AlertQueueFull", Level = LogLevel.Warning,
        Message = "Alert queue of {Receiver} is full ({Capacity} events); the oldest are dropped until it drains")]
    public static partial void AlertQueueFull(this ILogger logger, string receiver, int capacity);

    [LoggerMessage(EventId = 1103, EventName = "AlertDeliveryRecovered", Level = LogLevel.Information,
        Message = "Alerts to {Receiver} are delivered again, after {GivenUp} given up")]
    public static partial void AlertDeliveryRecovered(this ILogger logger, string receiver, int givenUp);

    [LoggerMessage(EventId = 1104, EventName = "AlertDelivered", Level = LogLevel.Information,
        Message = "Alert {PreviousStatus} -> {Status} delivered to {Receiver} (attempt {Attempt})")]
    public static partial void AlertDelivered(this ILogger logger, string receiver, string previousStatus, string status, int attempt);

    [LoggerMessage(EventId = 1105, EventName = "AlertAttemptFailed", Level = LogLevel.Debug,
        Message = "Alert attempt {Attempt} of {MaxAttempts} to {Receiver} failed ({Failure}); retrying in {Delay}")]
    public static partial void AlertAttemptFailed(this ILogger logger, string receiver, int attempt, int maxAttempts, string failure, TimeSpan delay);

    [LoggerMessage(EventId = 1005, EventName = "PublisherSkipped", Level = LogLevel.Warning,
        Message = "Health-check publisher {Publisher} is still busy with an earlier report; this round's report is skipped for it")]
    public static partial void PublisherSkipped(this ILogger logger, string publisher);

    [LoggerMessage(EventId = 1006, EventName = "PublisherFailed", Level = LogLevel.Warning,
        Message = "Health-check publisher {Publisher} {Failure}")]
    public static partial void PublisherFailed(this ILogger logger, string publisher, string failure);

    [LoggerMessage(EventId = 1400, EventName = "MaintenanceStarted", Level = LogLevel.Warning,
        Message = "Maintenance turned on ({By}) for {Ttl}: /health answers 503 Maintenance; reason: {Reason}")]
    public static partial void MaintenanceStarted(this ILogger logger, string by, TimeSpan ttl, string reason);

    [LoggerMessage(EventId = 1401, EventName = "MaintenanceEnded", Level = LogLevel.Information,
        Message = "Maintenance ended, {How}; reason was: {Reason}")]
    public static partial void MaintenanceEnded(this ILogger logger, string how, string reason);
}
