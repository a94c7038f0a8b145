using System.Text.Json;
using HealthService.Lifecycle;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Alerts;

/// <summary>
/// The alerts hear of a verdict from two threads: the loop, after it publishes, and the readiness watcher, when the
/// verdict changes without a publish (maintenance, a drain, staleness). Whichever arrives last, a receiver is never
/// told an older verdict after a newer one.
/// </summary>
public sealed class AlertOrderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_cool_down_a_newer_verdict_is_never_followed_by_an_older_one()
    {
        await using var receiver = StubHttpServer.Start();
        var db = new ControllableHealthCheck();
        var cache = new ControllableHealthCheck();
        using var holding = new HoldingListener();
        await using var factory = new HealthServiceFactory()
            .WithCheck("db", db)
            .WithCheck("cache", cache)
            .With("Health:MaxAge", "00:01:00") // nothing goes stale while the loop is held
            .With("Health:Alerts:Webhooks:chat:Url", receiver.Url("/hook").ToString())
            .With("Health:Alerts:Instance", "orders-1")
            .With("Health:Alerts:CoolDown", "00:00:00")
            .WithServices(services => services.Insert(0, ServiceDescriptor.Singleton<IHealthSnapshotListener>(holding))); // told before the alerts
        await factory.WaitForStatusAsync(200, "OK");
        db.Mode = ProbeMode.Unhealthy;
        await receiver.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);
        var calls = db.Calls;
        await factory.WaitForAsync((_, _) => db.Calls >= calls + 2, TimeSpan.FromSeconds(10)); // the watcher has long seen Unhealthy

        // The loop publishes cache failing too (still Unhealthy, so the watcher has nothing to say) and, before it
        // tells the alerts, maintenance is turned on: the watcher tells them Maintenance, and the loop's Unhealthy,
        // judged before maintenance, arrives after it.
        holding.HoldWhen(snapshot => snapshot.Report.Entries.TryGetValue("cache", out var entry) && entry.Status == HealthStatus.Unhealthy);
        cache.Mode = ProbeMode.Unhealthy;
        Assert.True(holding.Held.Wait(TimeSpan.FromSeconds(10), Ct), "The loop published no failing cache within 10 s");
        factory.Services.GetRequiredService<MaintenanceState>().TurnOn("db migration", TimeSpan.FromMinutes(5), "local");
        await receiver.WaitForHitsAsync(2, TimeSpan.FromSeconds(10), Ct);
        holding.Release();

        // A later change, with maintenance still on, is the last event: each receiver delivers in order, so anything
        // sent in between has arrived before it.
        db.Mode = ProbeMode.Healthy;
        await WaitForEventAsync(receiver, e => Text(e, "readiness") == "Maintenance" && e.GetProperty("probes").EnumerateArray().Any(p => Text(p, "name") == "db" && Text(p, "status") == "Healthy"));

        Assert.Equal(
            [("OK", "Unhealthy"), ("Unhealthy", "Maintenance"), ("Maintenance", "Maintenance")],
            receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).Select(e => (Text(e, "previousReadiness"), Text(e, "readiness"))));
    }

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private static async Task WaitForEventAsync(StubHttpServer receiver, Func<JsonElement, bool> match)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!receiver.Requests.Any(r => match(JsonDocument.Parse(r.Body).RootElement)))
        {
            Assert.True(DateTime.UtcNow < until, $"no such event within 10 s; received: {string.Join(" | ", receiver.Requests.Select(r => r.Body))}");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>A listener that, once told to, holds the loop's thread on the next publish that matches (at most 30 s) until released.</summary>
    private sealed class HoldingListener : IHealthSnapshotListener, IDisposable
    {
        private readonly ManualResetEventSlim _released = new(false);
        private volatile Func<HealthSnapshot, bool>? _hold;

        public ManualResetEventSlim Held { get; } = new(false);

        public void HoldWhen(Func<HealthSnapshot, bool> match) => _hold = match;

        public void Release() => _released.Set();

        public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
        {
            if (_hold is { } hold && hold(current))
            {
                _hold = null;
                Held.Set();
                _released.Wait(TimeSpan.FromSeconds(30));
            }
        }

        public void Dispose()
        {
            _released.Set();
            _released.Dispose();
            Held.Dispose();
        }
    }
}
