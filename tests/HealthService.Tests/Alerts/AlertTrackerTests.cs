using System.Globalization;
using System.Text.Json;
using HealthService.Alerts;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Alerts;

/// <summary>When the tracker alerts, on a fake clock: baseline, changes, cool-down, catch-up, what counts as news.</summary>
public sealed class AlertTrackerTests
{
    private static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture));
    private readonly List<JsonElement> _sent = [];
    private HealthSnapshot? _previous;

    private AlertTracker Tracker(TimeSpan? coolDown = null) => new(
        new AlertOptions { CoolDown = coolDown ?? CoolDown, Service = "orders", Instance = "orders-1" },
        _time,
        alert => _sent.Add(JsonDocument.Parse(alert.ToJson()).RootElement));

    /// <summary>
    /// Publishes one round: <c>db</c> and <c>cache</c> are critical, <c>cpu</c> is not. The verdict follows the probes
    /// unless <paramref name="verdict"/> says otherwise (maintenance, a drain, a stale result).
    /// </summary>
    private void Publish(AlertTracker tracker, HealthStatus db, HealthStatus cache = HealthStatus.Healthy,
        HealthStatus cpu = HealthStatus.Healthy, string dbReason = "connection refused", Readiness? verdict = null)
    {
        var probes = new (string Name, HealthStatus Status, string Reason, bool Critical)[]
        {
            ("db", db, db == HealthStatus.Healthy ? "fine" : dbReason, true),
            ("cache", cache, cache == HealthStatus.Healthy ? "fine" : "timed out after 2 s", true),
            ("cpu", cpu, "92 % in use", false),
        };
        var entries = probes.ToDictionary(
            p => p.Name,
            p => new HealthReportEntry(p.Status, p.Reason, TimeSpan.Zero, null, null, HealthTags.For(p.Critical)));
        var isReady = probes.All(p => !p.Critical || p.Status != HealthStatus.Unhealthy);
        var times = entries.ToDictionary(e => e.Key, _ => _time.GetUtcNow());
        var snapshot = new HealthSnapshot(new HealthReport(entries, TimeSpan.Zero), times, isReady, AwaitsCritical: false, _time.GetUtcNow(), long.MaxValue, _time.GetTimestamp(), entries);
        tracker.OnPublished(_previous, snapshot, verdict ?? (isReady ? Readiness.Ok : Readiness.Unhealthy));
        _previous = snapshot;
    }

    private void Advance(TimeSpan by) => _time.Advance(by);

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private static string[] ProbeNames(JsonElement alert) =>
        [.. alert.GetProperty("probes").EnumerateArray().Select(p => Text(p, "name"))];

    [Fact]
    public void Starting_ready_is_the_baseline_and_sends_nothing()
    {
        using var tracker = Tracker();

        Publish(tracker, HealthStatus.Healthy, cache: HealthStatus.Degraded);
        Advance(Round);
        Publish(tracker, HealthStatus.Healthy, cache: HealthStatus.Degraded);

        Assert.Empty(_sent);
    }

    [Fact]
    public void Starting_not_ready_is_sent_with_the_probes_that_are_not_healthy()
    {
        using var tracker = Tracker();

        Publish(tracker, HealthStatus.Unhealthy);

        var alert = Assert.Single(_sent);
        Assert.Equal(("Starting", "NotReady"), (Text(alert, "previousStatus"), Text(alert, "status")));
        Assert.Equal(["db"], ProbeNames(alert));
        Assert.Equal("Starting", Text(alert.GetProperty("probes")[0], "previousStatus"));
        Assert.Equal("orders on orders-1 is NotReady: Unhealthy (was Starting): db Starting -> Unhealthy (connection refused)", Text(alert, "text"));
    }

    [Fact]
    public void A_change_is_sent_at_once_and_a_steady_state_is_not_repeated()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);

        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy);
        for (var i = 0; i < 30; i++)
        {
            Advance(Round);
            Publish(tracker, HealthStatus.Unhealthy, dbReason: $"timed out after {i} s"); // a new reason alone is no news
        }

        var alert = Assert.Single(_sent);
        Assert.Equal(("Ready", "NotReady"), (Text(alert, "previousStatus"), Text(alert, "status")));
        Assert.Equal("2026-03-01T12:00:05Z", Text(alert, "time"));
    }

    [Fact]
    public void Changes_during_the_cool_down_are_held_back_and_the_latest_state_is_sent_when_it_ends()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);
        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy); // sent at 12:00:05; cool-down until 12:01:05

        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy, cache: HealthStatus.Unhealthy); // 12:00:10, held back
        Advance(Round);
        Publish(tracker, HealthStatus.Healthy, cache: HealthStatus.Unhealthy); // 12:00:15, held back; lasts
        Assert.Single(_sent);

        Advance(CoolDown - Round - Round - TimeSpan.FromMilliseconds(1));
        Assert.Single(_sent);
        Advance(TimeSpan.FromMilliseconds(1)); // 12:01:05: the catch-up, without waiting for the next round

        Assert.Equal(2, _sent.Count);
        var catchUp = _sent[1];
        Assert.Equal(("NotReady", "NotReady"), (Text(catchUp, "previousStatus"), Text(catchUp, "status")));
        Assert.Equal(["cache", "db"], ProbeNames(catchUp)); // both changed since the last event sent
        Assert.Equal("2026-03-01T12:00:15Z", Text(catchUp, "time")); // when that state was first seen
        Assert.StartsWith("orders on orders-1 is still NotReady: Unhealthy: cache Healthy -> Unhealthy", Text(catchUp, "text"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flap_that_is_back_where_it_was_when_the_cool_down_ends_sends_nothing_more()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);
        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy);

        for (var i = 0; i < 11; i++)
        {
            Advance(Round);
            Publish(tracker, i % 2 == 0 ? HealthStatus.Unhealthy : HealthStatus.Healthy);
        }

        // 12:01:00 ended Unhealthy, as last sent; the cool-down ends at 12:01:05 with nothing new to say.
        Advance(Round);
        Assert.Single(_sent);

        // The next change goes out at once: no cool-down is running.
        Publish(tracker, HealthStatus.Healthy);
        Assert.Equal(2, _sent.Count);
        Assert.Equal("Ready", Text(_sent[1], "status"));
    }

    [Fact]
    public void A_probe_flapping_every_round_for_an_hour_sends_one_event_per_cool_down_and_ends_with_the_recovery()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);
        var rounds = (int)(TimeSpan.FromHours(1) / Round);
        for (var i = 1; i <= rounds; i++)
        {
            Advance(Round);
            Publish(tracker, i % 2 == 1 ? HealthStatus.Unhealthy : HealthStatus.Degraded);
        }

        Advance(Round);
        Publish(tracker, HealthStatus.Healthy);
        Advance(CoolDown);

        Assert.InRange(_sent.Count, 2, (TimeSpan.FromHours(1) / CoolDown) + 2);
        var last = _sent[^1];
        Assert.Equal("Ready", Text(last, "status"));
        Assert.Equal("Healthy", Text(last.GetProperty("probes")[0], "status"));
        for (var i = 1; i < _sent.Count; i++)
        {
            Assert.Equal(Text(_sent[i - 1], "status"), Text(_sent[i], "previousStatus"));
        }
    }

    [Fact]
    public void A_critical_probe_turning_degraded_is_news_even_though_the_instance_stays_ready()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);
        Advance(Round);

        Publish(tracker, HealthStatus.Degraded, dbReason: "slow");

        var alert = Assert.Single(_sent);
        Assert.Equal(("Ready", "Ready"), (Text(alert, "previousStatus"), Text(alert, "status")));
        Assert.Equal("orders on orders-1 is still Ready: db Healthy -> Degraded (slow)", Text(alert, "text"));
    }

    [Fact]
    public void A_non_critical_probe_is_never_news()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);

        foreach (var cpu in new[] { HealthStatus.Unhealthy, HealthStatus.Degraded, HealthStatus.Healthy })
        {
            Advance(Round);
            Publish(tracker, HealthStatus.Healthy, cpu: cpu);
        }

        Assert.Empty(_sent);
    }

    [Fact]
    public void Without_a_cool_down_every_change_is_sent_at_once()
    {
        using var tracker = Tracker(TimeSpan.Zero);
        Publish(tracker, HealthStatus.Healthy);

        for (var i = 0; i < 6; i++)
        {
            Advance(Round);
            Publish(tracker, i % 2 == 0 ? HealthStatus.Unhealthy : HealthStatus.Healthy);
        }

        Assert.Equal(["NotReady", "Ready", "NotReady", "Ready", "NotReady", "Ready"], _sent.Select(a => Text(a, "status")));
    }

    [Fact]
    public void Maintenance_turned_on_says_so_and_its_end_is_a_recovery()
    {
        using var tracker = Tracker(TimeSpan.Zero);
        Publish(tracker, HealthStatus.Healthy);

        Advance(Round);
        Publish(tracker, HealthStatus.Healthy, verdict: Readiness.Maintenance);
        Advance(Round);
        Publish(tracker, HealthStatus.Healthy);

        Assert.Equal(2, _sent.Count);
        Assert.Equal(("Ready", "NotReady", "OK", "Maintenance"), (Text(_sent[0], "previousStatus"), Text(_sent[0], "status"), Text(_sent[0], "previousReadiness"), Text(_sent[0], "readiness")));
        Assert.Equal("orders on orders-1 is NotReady: Maintenance (was Ready)", Text(_sent[0], "text"));
        Assert.Equal(("Maintenance", "OK"), (Text(_sent[1], "previousReadiness"), Text(_sent[1], "readiness")));
        Assert.Equal("orders on orders-1 is Ready (was NotReady: Maintenance)", Text(_sent[1], "text"));
    }

    [Fact]
    public void Maintenance_turned_on_during_an_outage_is_news_though_the_instance_stays_not_ready_and_waits_for_the_cool_down()
    {
        using var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);
        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy); // sent at 12:00:05; cool-down until 12:01:05

        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy, verdict: Readiness.Maintenance);
        Assert.Single(_sent);
        Advance(CoolDown - Round);

        Assert.Equal(2, _sent.Count);
        var alert = _sent[1];
        Assert.Equal(("NotReady", "NotReady"), (Text(alert, "previousStatus"), Text(alert, "status")));
        Assert.Equal(("Unhealthy", "Maintenance"), (Text(alert, "previousReadiness"), Text(alert, "readiness")));
        Assert.Empty(ProbeNames(alert)); // no probe changed: the verdict alone is the news
        Assert.Equal("orders on orders-1 is NotReady: Maintenance (was NotReady: Unhealthy)", Text(alert, "text"));
    }

    [Fact]
    public void A_drain_of_a_ready_instance_sends_nothing()
    {
        using var tracker = Tracker(TimeSpan.Zero);
        Publish(tracker, HealthStatus.Healthy);

        for (var i = 0; i < 3; i++)
        {
            Advance(Round);
            Publish(tracker, i == 0 ? HealthStatus.Healthy : HealthStatus.Unhealthy, verdict: Readiness.Draining);
        }

        Assert.Empty(_sent);
    }

    [Fact]
    public void A_drain_after_an_outage_was_reported_says_the_instance_is_draining()
    {
        using var tracker = Tracker(TimeSpan.Zero);
        Publish(tracker, HealthStatus.Healthy);
        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy);

        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy, verdict: Readiness.Draining);
        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy, verdict: Readiness.Draining);

        Assert.Equal(2, _sent.Count);
        Assert.Equal(("Unhealthy", "Draining"), (Text(_sent[1], "previousReadiness"), Text(_sent[1], "readiness")));
        Assert.Equal("orders on orders-1 is NotReady: Draining (was NotReady: Unhealthy)", Text(_sent[1], "text"));
    }

    [Fact]
    public void After_disposal_nothing_is_sent()
    {
        var tracker = Tracker();
        Publish(tracker, HealthStatus.Healthy);
        Advance(Round);
        Publish(tracker, HealthStatus.Unhealthy);
        Advance(Round);
        Publish(tracker, HealthStatus.Healthy);

        tracker.Dispose();
        Advance(CoolDown);
        Publish(tracker, HealthStatus.Unhealthy);

        Assert.Single(_sent);
    }

    [Theory]
    [InlineData(1, null, 1)]
    [InlineData(2, null, 2)]
    [InlineData(4, null, 8)]
    [InlineData(2, 30, 30)] // a longer Retry-After wins
    [InlineData(4, 3, 8)] // a shorter one does not
    [InlineData(30, null, 600)] // capped at 10 minutes
    [InlineData(1, 3600, 600)]
    public void The_backoff_doubles_from_RetryDelay_and_honours_a_longer_Retry_After(int attempt, int? retryAfterSeconds, int expectedSeconds)
    {
        var delay = AlertReceiver.Backoff(TimeSpan.FromSeconds(1), attempt, retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }
}
