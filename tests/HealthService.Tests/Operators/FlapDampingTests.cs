using System.Text.Json;
using HealthService.Configuration;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Operators;

/// <summary>Flap damping: a blip shorter than the threshold never shows; a sustained failure does, within its rounds.</summary>
public sealed class FlapDampingTests
{
    private const string ApiKey = "k3y-for-the-detailed-view-0123456789";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(3, 2, "H U U H", "H H H H")] // two failures under a threshold of three: never shown
    [InlineData(3, 2, "H U U U", "H H H U")] // the third failure in a row shows
    [InlineData(3, 2, "H U U U H H", "H H H U U H")] // two successes in a row to recover
    [InlineData(3, 2, "H U U U H U H H", "H H H U U U U H")] // a success that is not followed by another does not count
    [InlineData(3, 2, "U H H", "U U H")] // a first failure is reported as it is: never healthy before a success
    [InlineData(1, 1, "H U H U", "H U H U")] // the defaults: no damping
    [InlineData(2, 1, "D U D", "D D D")] // Degraded is not a failure
    public void The_reported_status_follows_the_thresholds(int failures, int successes, string raw, string reported)
    {
        var damper = new FlapDamper(failures, successes);
        var statuses = raw.Split(' ').Select(s => s switch { "H" => HealthStatus.Healthy, "D" => HealthStatus.Degraded, _ => HealthStatus.Unhealthy });

        var result = string.Join(' ', statuses.Select(status => damper.Apply(new HealthReportEntry(status, null, TimeSpan.Zero, null, null)).Status.ToString()[0]));

        Assert.Equal(reported, result);
    }

    [Fact]
    public async Task A_one_round_blip_under_FailuresBeforeUnhealthy_3_never_shows_and_a_sustained_failure_shows_within_three_rounds()
    {
        await using var dependency = StubHttpServer.Start();
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.500",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Http__api__Url"] = dependency.Url().ToString(),
            ["Health__Http__api__Critical"] = "true",
            ["Health__Http__api__FailuresBeforeUnhealthy"] = "3",
        });
        var health = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(30));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        // One failed round: the dependency answers 503 to exactly one probe call.
        var answers = new List<int>();
        var linesBefore = service.StandardOutput.Count;
        var hits = dependency.Hits;
        dependency.Behavior = StubBehavior.Status(503);
        await dependency.WaitForHitsAsync(hits + 1, TimeSpan.FromSeconds(5), Ct);
        dependency.Behavior = StubBehavior.Status(200, "OK");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(4))
        {
            answers.Add((int)(await client.GetAsync(health, Ct)).StatusCode);
            await Task.Delay(50, Ct);
        }

        Assert.All(answers, status => Assert.Equal(200, status));
        Assert.DoesNotContain(service.StandardOutput.Skip(linesBefore), line => line.Contains("\"Status\":\"Unhealthy\"", StringComparison.Ordinal));

        // A sustained failure shows at the third failed round.
        dependency.Behavior = StubBehavior.Status(503);
        var failing = System.Diagnostics.Stopwatch.StartNew();
        await service.WaitForStatusAsync(health, 503, TimeSpan.FromSeconds(10));
        Assert.InRange(failing.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3 + 0.5 + 1));
    }

    [Fact]
    public async Task A_check_added_in_code_is_damped_through_its_registration_and_details_show_the_raw_result_beside_the_reported_one()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", ApiKey)
            .WithRemoteAddress(System.Net.IPAddress.Parse("10.0.3.7"))
            .WithServices(services => services.AddHealthChecks().AddCheck("orders", check).WithFlapDamping("orders", failuresBeforeUnhealthy: 5));
        await factory.WaitForStatusAsync(200, "OK");

        check.Mode = ProbeMode.Unhealthy;
        var store = factory.Services.GetRequiredService<HealthSnapshotStore>();
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (store.Current?.RawResults["orders"].Status != HealthStatus.Unhealthy && limit.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20, Ct);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/details");
        request.Headers.Add("X-Health-Key", ApiKey);
        using var details = JsonDocument.Parse(await (await factory.CreateClient().SendAsync(request, Ct)).Content.ReadAsStringAsync(Ct));
        var entry = details.RootElement.GetProperty("entries").GetProperty("orders");
        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", entry.GetProperty("raw").GetProperty("status").GetString());
        Assert.Equal("failing on purpose", entry.GetProperty("raw").GetProperty("description").GetString());
        Assert.Equal("OK", details.RootElement.GetProperty("readiness").GetString());
    }

    [Theory]
    [InlineData("Health:Http:api:FailuresBeforeUnhealthy", "0")]
    [InlineData("Health:Http:api:SuccessesBeforeHealthy", "11")]
    [InlineData("Health:Memory:FailuresBeforeUnhealthy", "-1")]
    public void A_threshold_outside_1_to_10_is_refused_naming_its_key(string key, string value)
    {
        var error = ConfigurationGuard.FindError(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Health:Http:api:Url"] = "http://127.0.0.1:9/health",
            [key] = value,
        }).Build());

        Assert.Contains($"{key} must be from 1 to 10 (was {value})", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_threshold_outside_1_to_10_for_a_check_added_in_code_is_refused_naming_the_parameter()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.WithFlapDamping("orders", failuresBeforeUnhealthy: 11));

        Assert.Equal("failuresBeforeUnhealthy", error.ParamName);
    }
}
