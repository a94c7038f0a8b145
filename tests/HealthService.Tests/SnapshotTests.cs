using System.Net;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests;

public sealed class SnapshotTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_returns_503_Starting_until_every_critical_probe_has_a_result()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var check = new ControllableHealthCheck { Mode = ProbeMode.Hang };
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05").With("Health:Timeout", "00:00:02")
            .WithCheck("slow-start", check)
            .WithServices(services => services.AddSingleton<TimeProvider>(time));
        var client = factory.CreateClient();

        // The hung critical probe has no result until its deadline, which on this clock never comes by itself.
        for (var i = 0; i < 5; i++)
        {
            var response = await client.GetAsync("/health", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("Starting", await response.Content.ReadAsStringAsync(Ct));
            Assert.True(response.Headers.CacheControl?.NoStore);
            await Task.Delay(50, Ct);
        }

        time.Advance(TimeSpan.FromSeconds(2));

        await factory.WaitForStatusAsync(503, "Unhealthy", TimeSpan.FromSeconds(5));
        check.ReleaseHung();
    }

    [Fact]
    public async Task A_hung_reporting_only_probe_does_not_hold_the_service_at_Starting()
    {
        var hung = new ControllableHealthCheck { Mode = ProbeMode.Hang };
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05").With("Health:Timeout", "00:00:05")
            .WithCheck("slow-report", hung, "non-critical")
            .WithCheck("db", new ControllableHealthCheck());

        // The critical probe answers at once; the hung one would hold a round-based snapshot for five seconds.
        var started = System.Diagnostics.Stopwatch.StartNew();
        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(4));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"OK came after {started.Elapsed}");
        hung.ReleaseHung();
    }

    [Fact]
    public async Task A_stuck_evaluation_loop_makes_health_answer_503_Stale()
    {
        var check = new ControllableHealthCheck();
        var stuck = new BlockingListener();
        await using var factory = new HealthServiceFactory()
            .With("Health:MaxAge", "00:00:02")
            .WithCheck("reporting-only", check, "non-critical")
            .WithServices(services => services.AddSingleton<HealthService.Pipeline.IHealthSnapshotListener>(stuck));
        await factory.WaitForStatusAsync(200, "OK");

        // The loop calls its listeners one at a time; one that never returns stops every later publication.
        stuck.Block();
        try
        {
            var stale = await factory.WaitForStatusAsync(503, "Stale", TimeSpan.FromSeconds(6));
            Assert.True(stale.Headers.CacheControl?.NoStore);
        }
        finally
        {
            stuck.Release();
        }

        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_jammed_log_sink_does_not_freeze_the_verdict()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("db", check);
        await factory.WaitForStatusAsync(200, "OK");

        // As a stdout pipe that nobody reads: every write blocks. The failure and the recovery must both show.
        factory.Logs.Jam();
        try
        {
            check.Mode = ProbeMode.Unhealthy;
            await factory.WaitForStatusAsync(503, "Unhealthy", TimeSpan.FromSeconds(3));
            check.Mode = ProbeMode.Healthy;
            await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(3));
            await Task.Delay(TimeSpan.FromSeconds(3), Ct); // past Health:MaxAge: still fresh
            await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(1));
        }
        finally
        {
            factory.Logs.Unjam();
        }
    }

    private sealed class BlockingListener : HealthService.Pipeline.IHealthSnapshotListener
    {
        private readonly ManualResetEventSlim _open = new(initialState: true);

        public void Block() => _open.Reset();

        public void Release() => _open.Set();

        public void OnPublished(HealthService.Pipeline.HealthSnapshot? previous, HealthService.Pipeline.HealthSnapshot current, HealthService.Pipeline.Readiness readiness) =>
            _open.Wait(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Probes_run_on_the_interval_not_per_request()
    {
        // On a fake clock: 2000 requests while it stands still call the probe not once, and each interval exactly once.
        var time = new ObservedClock();
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("counted", check).WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();
        var callsBefore = check.Calls;

        var responses = await Task.WhenAll(Enumerable.Range(0, 2000).Select(_ => client.GetAsync("/health", Ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(callsBefore, check.Calls);
        for (var round = 1; round <= 3; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await factory.WaitForResultAsync("counted", time);
            Assert.Equal(callsBefore + round, check.Calls);
        }
    }
}
