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
    public async Task A_blip_of_two_failures_under_FailuresBeforeUnhealthy_3_never_shows_and_the_third_failure_in_a_row_does()
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

        // Two failed probe calls, counted by the dependency, then two good ones: /health answers 200 throughout and
        // nothing is logged as Unhealthy. Rounds, not seconds, decide: the loop is watched until it has moved on.
        var answers = new List<int>();
        var linesBefore = service.StandardOutput.Count;
        var hits = dependency.Hits;
        dependency.AnswerNext(StubBehavior.Status(503), StubBehavior.Status(503));
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (dependency.Hits < hits + 4)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(20), $"The probe called the dependency {dependency.Hits - hits} times in 20 s, expected 4");
            answers.Add((int)(await client.GetAsync(health, Ct)).StatusCode);
            await Task.Delay(20, Ct);
        }

        answers.Add((int)(await client.GetAsync(health, Ct)).StatusCode);
        Assert.All(answers, status => Assert.Equal(200, status));
        Assert.DoesNotContain(service.StandardOutput.Skip(linesBefore), line => line.Contains("\"Status\":\"Unhealthy\"", StringComparison.Ordinal));

        // Three failed calls in a row: the third one takes the instance out (the probe and readiness both say so),
        // and the next good call brings it back.
        linesBefore = service.StandardOutput.Count;
        dependency.AnswerNext(StubBehavior.Status(503), StubBehavior.Status(503), StubBehavior.Status(503));
        var failed = await service.WaitForOutputAsync("\"Status\":\"Unhealthy\"", TimeSpan.FromSeconds(20), linesBefore);
        Assert.Contains("\"Probe\":\"http:api\"", failed, StringComparison.Ordinal);
        await service.WaitForOutputAsync("\"Readiness\":\"Unhealthy\"", TimeSpan.FromSeconds(5), linesBefore);
        await service.WaitForOutputAsync("\"Status\":\"Healthy\"", TimeSpan.FromSeconds(20), linesBefore);
        await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(5));
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
