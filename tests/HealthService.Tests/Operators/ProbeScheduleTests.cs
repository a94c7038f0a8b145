using HealthService.Configuration;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Operators;

/// <summary>A schedule per probe: an expensive probe runs less often, and its staleness follows its own interval.</summary>
public sealed class ProbeScheduleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task WaitForCallsAsync(ControllableHealthCheck check, int calls)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (check.Calls < calls)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), $"{check.Calls} calls, expected {calls}");
            await Task.Delay(10, Ct);
        }
    }

    [Fact]
    public async Task A_probe_with_its_own_Period_runs_in_the_first_round_then_every_third_round_and_stays_fresh_between()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var everyRound = new ControllableHealthCheck();
        var expensive = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory()
            .With("Health:MaxAge", "00:00:02") // a round of 1 s: judged by the round, the expensive result would go stale
            .WithServices(services =>
            {
                services.AddSingleton<TimeProvider>(time);
                services.AddHealthChecks()
                    .AddCheck("cheap", everyRound)
                    .Add(new HealthCheckRegistration("expensive", expensive, null, null) { Period = TimeSpan.FromSeconds(3) });
            });
        await factory.WaitForStatusAsync(200, "OK");
        await WaitForCallsAsync(everyRound, 1);
        await WaitForCallsAsync(expensive, 1);

        for (var second = 1; second <= 6; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitForCallsAsync(everyRound, second + 1);
            await Task.Delay(50, Ct);
            var answer = await factory.CreateClient().GetAsync("/health", Ct);
            Assert.Equal("OK", await answer.Content.ReadAsStringAsync(Ct)); // never Stale between its runs
        }

        Assert.Equal(7, everyRound.Calls);
        Assert.Equal(3, expensive.Calls); // at 0, 3 and 6 s
    }

    [Theory]
    [InlineData("Health:Http:api:Interval", "00:00:00.500", "Health:Http:api:Interval must be from 00:00:05")]
    [InlineData("Health:Http:api:Interval", "02:00:00", "Health:Http:api:Interval must be from 00:00:05 (Health:Interval, and at least 1 s) to 01:00:00 (was 02:00:00)")]
    [InlineData("Health:Cpu:Interval", "00:00:02", "Health:Cpu:Interval must be from 00:00:05")]
    public void A_probe_interval_out_of_range_is_refused_naming_its_key(string key, string value, string expected)
    {
        var error = ConfigurationGuard.FindError(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Health:Http:api:Url"] = "http://127.0.0.1:9/health",
            [key] = value,
        }).Build());

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_probe_interval_runs_the_probe_every_third_round_in_the_real_process()
    {
        // A probe of every round beside it counts the rounds, so the check is in rounds, not in seconds.
        await using var everyRound = StubHttpServer.Start();
        await using var dependency = StubHttpServer.Start();
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.500",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Http__rounds__Url"] = everyRound.Url().ToString(),
            ["Health__Http__rounds__Timeout"] = "00:00:00.900",
            ["Health__Http__api__Url"] = dependency.Url().ToString(),
            ["Health__Http__api__Critical"] = "true",
            ["Health__Http__api__Interval"] = "00:00:03",
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));
        await dependency.WaitForHitsAsync(5, TimeSpan.FromSeconds(40), Ct);

        // Between two calls of the expensive probe, the probe of every round was called exactly three times. The
        // first round is left out: a cold first call on a loaded machine can miss its deadline before it is sent.
        // A round's two calls are milliseconds apart and rounds a second, so each window starts half a round early.
        var calls = dependency.Requests.Select(r => r.ReceivedAt).Skip(1).Take(4).ToList();
        var rounds = everyRound.Requests.Select(r => r.ReceivedAt).ToList();
        var half = TimeSpan.FromSeconds(0.5);
        var between = calls.Zip(calls.Skip(1), (from, to) => rounds.Count(round => round >= from - half && round < to - half)).ToList();
        Assert.Equal([3, 3, 3], between);

        // /health never went stale between its runs.
        using var client = new HttpClient();
        Assert.Equal("OK", await client.GetStringAsync($"http://127.0.0.1:{port}/health", Ct));
    }
}
