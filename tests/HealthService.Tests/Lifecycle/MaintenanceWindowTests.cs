using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using HealthService.Lifecycle;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Lifecycle;

/// <summary>
/// One maintenance window in force at a time, with exactly one pending timer: replacing a window or turning it off
/// cancels its timer, and a turn-off never erases a window that started while it ran.
/// </summary>
public sealed class MaintenanceWindowTests
{
    private const string MaintenanceKey = "k3y-for-maintenance-writes-9876543210";
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A fake clock that knows which of its timers are still pending (neither fired nor disposed), by due time, and can
    /// run an action inside the next reading of the clock, to put a step of another caller between two of the code's.
    /// </summary>
    private sealed class TimerCountingClock() : FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture))
    {
        private readonly ConcurrentDictionary<CountedTimer, TimeSpan> _pending = new();
        private Action? _insideNextReading;

        public int PendingTimers(TimeSpan dueTime) => _pending.Values.Count(due => due == dueTime);

        public void InsideNextReading(Action action) => _insideNextReading = action;

        public override long GetTimestamp()
        {
            Interlocked.Exchange(ref _insideNextReading, null)?.Invoke();
            return base.GetTimestamp();
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new CountedTimer(this);
            _pending[timer] = dueTime;
            timer.Inner = base.CreateTimer(s => { timer.Fired(); callback(s); }, state, dueTime, period);
            return timer;
        }

        private sealed class CountedTimer(TimerCountingClock clock) : ITimer
        {
            public ITimer Inner { get; set; } = null!;

            public void Fired() => clock._pending.TryRemove(this, out _);

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                clock._pending[this] = dueTime;
                return Inner.Change(dueTime, period);
            }

            public void Dispose()
            {
                clock._pending.TryRemove(this, out _);
                Inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    private static HealthServiceFactory Factory(TimeProvider time) => new HealthServiceFactory()
        .With("Health:Details:Enabled", "true")
        .With("Health:Maintenance:ApiKey", MaintenanceKey)
        .WithServices(services => services.AddSingleton(time));

    private static async Task<int> SendAsync(HttpClient client, HttpMethod method, string? body = null)
    {
        using var request = new HttpRequestMessage(method, "/health/maintenance");
        request.Headers.Add("X-Health-Key", MaintenanceKey);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return (int)(await client.SendAsync(request, Ct)).StatusCode;
    }

    [Fact]
    public async Task Replacing_a_window_many_times_leaves_one_pending_timer_and_the_last_window_expires_once()
    {
        var clock = new TimerCountingClock();
        await using var factory = Factory(clock);
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        for (var step = 1; step <= 20; step++)
        {
            Assert.Equal(200, await SendAsync(client, HttpMethod.Put, $"{{\"reason\":\"step {step}\",\"ttl\":\"2h\"}}"));
        }

        Assert.Equal(1, clock.PendingTimers(Ttl));
        clock.Advance(Ttl);
        await factory.WaitForStatusAsync(200, "OK");

        Assert.Equal(0, clock.PendingTimers(Ttl));
        var ended = Assert.Single(factory.Logs.WithEventName("MaintenanceEnded"));
        Assert.Equal(("expired", "step 20"), (CollectingSink.Scalar(ended, "How"), CollectingSink.Scalar(ended, "Reason")));
    }

    [Fact]
    public async Task Turning_a_window_off_cancels_its_timer()
    {
        var clock = new TimerCountingClock();
        await using var factory = Factory(clock);
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        Assert.Equal(200, await SendAsync(client, HttpMethod.Put, "{\"reason\":\"migration\",\"ttl\":\"2h\"}"));
        Assert.Equal(200, await SendAsync(client, HttpMethod.Delete));

        Assert.Equal(0, clock.PendingTimers(Ttl));
        clock.Advance(Ttl);
        await factory.WaitForStatusAsync(200, "OK");
        var ended = Assert.Single(factory.Logs.WithEventName("MaintenanceEnded"));
        Assert.Equal("turned off (maintenance key)", CollectingSink.Scalar(ended, "How"));
    }

    [Fact]
    public void A_turn_off_racing_a_turn_on_never_erases_the_newer_window()
    {
        var clock = new TimerCountingClock();
        var maintenance = new MaintenanceState(clock);
        maintenance.TurnOn("first", TimeSpan.FromHours(1), "local");

        // The second window starts while the turn-off is under way, inside its reading of the clock.
        clock.InsideNextReading(() => maintenance.TurnOn("second", TimeSpan.FromHours(1), "local"));
        var ended = maintenance.TurnOff();

        // Either the turn-off ended "first" and "second" is in force, or it ended "second" itself and says so:
        // never "first" reported ended while "second" silently disappears.
        Assert.Equal("second", maintenance.Current?.Reason ?? ended?.Reason);
        Assert.Equal(maintenance.Current is null ? 0 : 1, clock.PendingTimers(TimeSpan.FromHours(1)));
    }
}
