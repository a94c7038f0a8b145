using System.Diagnostics.Metrics;
using HealthService.Telemetry;
using Serilog.Sinks.Async;

namespace HealthService.Logging;

/// <summary>
/// Watches the bounded queue in front of the log output: how many events are waiting and how many were dropped
/// because the output stalled (a stdout pipe nobody reads, awslogs in blocking mode). Exposed as the
/// <c>healthservice.log.dropped</c> counter and reported in one log line by <see cref="LogVolumeReporter"/>.
/// </summary>
public sealed class LogOutputMonitor : IAsyncLogEventSinkMonitor
{
    private volatile IAsyncLogEventSinkInspector? _inspector;

    public LogOutputMonitor(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(HealthServiceMeter.Name);
        meter.CreateObservableCounter("healthservice.log.dropped", () => Dropped, unit: "{event}",
            description: "Log events dropped because the log output stalled and its queue was full.");
    }

    /// <summary>Events dropped since start.</summary>
    public long Dropped => _inspector?.DroppedMessagesCount ?? 0;

    /// <summary>Events waiting to be written.</summary>
    public int Queued => _inspector?.Count ?? 0;

    void IAsyncLogEventSinkMonitor.StartMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

    void IAsyncLogEventSinkMonitor.StopMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = null;
}
