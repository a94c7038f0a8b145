using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that lets a test wait until the code under test has set a timer on it. Advancing
/// the clock before a deadline's timer exists would skip that deadline; waiting a real moment instead is a race.
/// </summary>
public sealed class ObservedClock() : FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture))
{
    private readonly ConcurrentQueue<TimeSpan> _timers = new();

    /// <summary>How many timers have been created so far; pass it to <see cref="WaitForTimersAsync"/> as a mark.</summary>
    public int TimersCreated => _timers.Count;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Enqueue(dueTime); // after it is in place, so a test that sees it can advance past it
        return timer;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> timers due in <paramref name="dueTime"/> have been created since the mark
    /// <paramref name="since"/> (a value of <see cref="TimersCreated"/>); fails after 10 s of real time.
    /// </summary>
    public async Task WaitForTimersAsync(TimeSpan dueTime, int count, int since)
    {
        var limit = Stopwatch.StartNew();
        while (_timers.Skip(since).Count(t => t == dueTime) < count)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10),
                $"{_timers.Skip(since).Count(t => t == dueTime)} of {count} timers due in {dueTime} were set; all since the mark: {string.Join(", ", _timers.Skip(since))}");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
