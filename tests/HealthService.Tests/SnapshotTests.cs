using System.Net;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests;

public sealed class SnapshotTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_returns_503_Starting_until_the_first_round_finishes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var check = new ControllableHealthCheck { Mode = ProbeMode.Hang };
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05").With("Health:Timeout", "00:00:02")
            .WithCheck("slow-start", check, "non-critical")
            .WithServices(services => services.AddSingleton<TimeProvider>(time));
        var client = factory.CreateClient();

        // The first round waits on the hung probe until its deadline, which on this clock never comes by itself.
        for (var i = 0; i < 5; i++)
        {
            var response = await client.GetAsync("/health", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("Starting", await response.Content.ReadAsStringAsync(Ct));
            Assert.True(response.Headers.CacheControl?.NoStore);
            await Task.Delay(50, Ct);
        }

        time.Advance(TimeSpan.FromSeconds(2));

        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(5));
        check.ReleaseHung();
    }

    [Fact]
    public async Task A_snapshot_older_than_MaxAge_counts_as_unhealthy()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory()
            .With("Health:MaxAge", "00:00:02")
            .WithCheck("reporting-only", check, "non-critical");
        await factory.WaitForStatusAsync(200, "OK");

        // A stuck stdout pipe blocks the evaluation loop the next time it logs: no new snapshot is published.
        factory.Logs.Jam();
        check.Mode = ProbeMode.Degraded;
        try
        {
            var stale = await factory.WaitForStatusAsync(503, "Unhealthy", TimeSpan.FromSeconds(6));
            Assert.True(stale.Headers.CacheControl?.NoStore);
        }
        finally
        {
            factory.Logs.Unjam();
        }

        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Probes_run_on_the_interval_not_per_request()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("counted", check);
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        var callsBefore = check.Calls;
        var started = DateTime.UtcNow;
        var requests = Enumerable.Range(0, 2000).Select(_ => client.GetAsync("/health", Ct));
        var responses = await Task.WhenAll(requests);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // One call per one-second round, whatever the request rate.
        Assert.InRange(check.Calls - callsBefore, Math.Floor(seconds) - 1, Math.Ceiling(seconds) + 1);
    }
}
