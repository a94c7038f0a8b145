using System.Text.Json;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthService.Tests.Alerts;

/// <summary>
/// A loop that stops publishing cannot report its own staleness: the alert must still go out when <c>/health</c>
/// turns <c>Stale</c> by time alone, and the recovery when the loop comes back.
/// </summary>
public sealed class StuckLoopAlertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stuck_loop_sends_a_Stale_alert_and_its_return_sends_Ready()
    {
        await using var receiver = StubHttpServer.Start();
        using var stalling = new StallingListener();
        await using var factory = new HealthServiceFactory()
            .WithCheck("db", new ControllableHealthCheck())
            .With("Health:Interval", "00:00:01")
            .With("Health:Timeout", "00:00:00.500")
            .With("Health:MaxAge", "00:00:03")
            .With("Health:Alerts:Webhooks:chat:Url", receiver.Url("/hook").ToString())
            .With("Health:Alerts:Instance", "orders-1")
            .With("Health:Alerts:CoolDown", "00:00:00")
            .WithServices(services => services.AddSingleton<IHealthSnapshotListener>(stalling));
        await factory.WaitForStatusAsync(200, "OK");

        stalling.Stall(); // the loop's next publish never returns: no result, no heartbeat
        await factory.WaitForStatusAsync(503, "Stale", TimeSpan.FromSeconds(15));
        await receiver.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);

        var stale = JsonDocument.Parse(receiver.Requests[0].Body).RootElement;
        Assert.Equal("NotReady", stale.GetProperty("status").GetString());
        Assert.Equal("Stale", stale.GetProperty("readiness").GetString());
        Assert.StartsWith("HealthService on orders-1 is NotReady: Stale (was Ready)", stale.GetProperty("text").GetString(), StringComparison.Ordinal);

        // Back, the loop may first publish the round it was stuck in as timed out; the last event is the recovery.
        stalling.Release();
        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(15));
        var back = await LastEventAsync(receiver, "Ready", TimeSpan.FromSeconds(10));
        Assert.Equal("OK", back.GetProperty("readiness").GetString());
    }

    /// <summary>Waits (bounded) until the latest event received has the given status, and returns it.</summary>
    private static async Task<JsonElement> LastEventAsync(StubHttpServer receiver, string status, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var requests = receiver.Requests;
            var last = requests.Count > 0 ? JsonDocument.Parse(requests[^1].Body).RootElement : default;
            if (requests.Count > 0 && last.GetProperty("status").GetString() == status)
            {
                return last;
            }

            Assert.True(DateTime.UtcNow < until, $"no {status} event within {deadline}; received: {string.Join(" | ", requests.Select(r => r.Body))}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>A listener that, once told to, holds the loop's thread (at most 30 s) until released.</summary>
    private sealed class StallingListener : IHealthSnapshotListener, IDisposable
    {
        private readonly ManualResetEventSlim _released = new(false);
        private volatile bool _stalling;

        public void Stall() => _stalling = true;

        public void Release()
        {
            _stalling = false;
            _released.Set();
        }

        public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
        {
            if (_stalling)
            {
                _released.Wait(TimeSpan.FromSeconds(30));
            }
        }

        public void Dispose()
        {
            Release();
            _released.Dispose();
        }
    }
}
