using Serilog.Core;
using Serilog.Events;

namespace HealthService.Logging;

/// <summary>
/// Passes events to the queue in front of the log output, and at exit gives the queue a bounded time to write what it
/// holds: disposing it waits for its background writer, which a stalled output would keep waiting for ever.
/// </summary>
internal sealed class FlushWithinSink(Logger queue, TimeSpan limit) : ILogEventSink, IDisposable
{
    public void Emit(LogEvent logEvent) => queue.Write(logEvent);

    public void Dispose() => Task.Run(queue.Dispose).Wait(limit);
}
