using System.Net;
using HealthService.Lifecycle;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Operators;

/// <summary>Every 503 from /health carries Retry-After: the whole seconds until the answer can next change.</summary>
public sealed class RetryAfterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeTimeProvider Clock() => new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<(string Answer, string? RetryAfter)> AskAsync(HealthServiceFactory factory)
    {
        var response = await factory.CreateClient().GetAsync("/health", Ct);
        return ($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}", response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
    }

    [Fact]
    public async Task Starting_and_Unhealthy_say_when_the_next_round_starts()
    {
        var time = new ObservedClock();
        var check = new ControllableHealthCheck { Mode = ProbeMode.Hang };
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05").With("Health:Timeout", "00:00:02")
            .WithCheck("db", check)
            .WithServices(services => services.AddSingleton<TimeProvider>(time));

        Assert.Equal(("503 Starting", "5"), await AskAsync(factory));
        await time.WaitForTimersAsync(TimeSpan.FromSeconds(2), 2, since: 0); // the first call's deadline: the round's wait and the probe's cancellation
        time.Advance(TimeSpan.FromSeconds(2)); // the hung probe times out: Unhealthy, three seconds before the next round
        await factory.WaitForStatusAsync(503, "Unhealthy");
        Assert.Equal(("503 Unhealthy", "3"), await AskAsync(factory));
        time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(("503 Unhealthy", "1"), await AskAsync(factory)); // rounded up, never 0
        check.ReleaseHung();
    }

    [Fact]
    public async Task Draining_says_when_the_host_stops_and_OK_has_none()
    {
        var time = Clock();
        await using var factory = new HealthServiceFactory().WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");
        Assert.Equal(("200 OK", null), await AskAsync(factory));

        factory.Services.GetRequiredService<DrainState>().Begin(time.GetTimestamp() + (10 * time.TimestampFrequency));

        Assert.Equal(("503 Draining", "10"), await AskAsync(factory));
        time.Advance(TimeSpan.FromSeconds(7.2));
        Assert.Equal(("503 Draining", "3"), await AskAsync(factory));
    }

    [Fact]
    public async Task Maintenance_says_when_its_window_ends_and_ends_by_itself()
    {
        var time = Clock();
        await using var factory = new HealthServiceFactory().WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");

        factory.Services.GetRequiredService<MaintenanceState>().TurnOn("migration", TimeSpan.FromSeconds(90), "local");

        Assert.Equal(("503 Maintenance", "90"), await AskAsync(factory));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health/live", Ct)).StatusCode);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(("503 Maintenance", "30"), await AskAsync(factory));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(("200 OK", null), await AskAsync(factory));
    }

    [Fact]
    public async Task A_maintenance_window_longer_than_an_hour_says_its_real_seconds_rounded_up()
    {
        var time = Clock();
        await using var factory = new HealthServiceFactory().WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");

        factory.Services.GetRequiredService<MaintenanceState>().TurnOn("migration", TimeSpan.FromHours(5), "local");

        Assert.Equal(("503 Maintenance", "18000"), await AskAsync(factory));
        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(("503 Maintenance", "18000"), await AskAsync(factory)); // 17999.5 s, rounded up
        time.Advance(TimeSpan.FromHours(4));
        Assert.Equal(("503 Maintenance", "3600"), await AskAsync(factory)); // 3599.5 s
        time.Advance(TimeSpan.FromSeconds(3599));
        Assert.Equal(("503 Maintenance", "1"), await AskAsync(factory)); // 0.5 s
    }
}
