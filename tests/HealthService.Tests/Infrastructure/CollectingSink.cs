using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace HealthService.Tests.Infrastructure;

/// <summary>Keeps every log event a host writes, so tests can assert on what an operator would read.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly ManualResetEventSlim _open = new(initialState: true);

    public IReadOnlyList<LogEvent> Events => [.. _events];

    /// <summary>Makes every later write block until <see cref="Unjam"/>, as a stuck stdout pipe would.</summary>
    public void Jam() => _open.Reset();

    public void Unjam() => _open.Set();

    public void Emit(LogEvent logEvent)
    {
        _events.Enqueue(logEvent);
        _open.Wait(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Waits for an event matching <paramref name="match"/>: events reach sinks through the service's log queue, a
    /// moment after the code that wrote them.
    /// </summary>
    public async Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match, TimeSpan? timeout = null)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var found = Events.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (limit.Elapsed > (timeout ?? TimeSpan.FromSeconds(5)))
            {
                Assert.Fail($"No matching log event within {timeout ?? TimeSpan.FromSeconds(5)}. Log:\n{string.Join('\n', Events.Select(e => e.RenderMessage()))}");
            }

            await Task.Delay(10);
        }
    }

    public IReadOnlyList<LogEvent> WithEventName(string name) =>
        [.. Events.Where(e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains($"\"{name}\"", StringComparison.Ordinal))];

    public static string? Scalar(LogEvent logEvent, string property) =>
        logEvent.Properties.TryGetValue(property, out var value) && value is ScalarValue scalar ? scalar.Value?.ToString() : null;
}
