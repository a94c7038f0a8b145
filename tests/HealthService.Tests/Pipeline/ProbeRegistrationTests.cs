using HealthService.Configuration;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HealthService.Tests.Pipeline;

/// <summary>Probes added in code are checked at start like configured ones, and the message names the probe.</summary>
public sealed class ProbeRegistrationTests
{
    private static async Task<string> StartFailureAsync(Action<IHealthChecksBuilder> checks, Dictionary<string, string?>? settings = null)
    {
        var failure = await StartFailure.OfAsync((_, builder) => checks(builder), settings);
        return string.Join(" ", failure.Failures);
    }

    [Fact]
    public async Task Two_probes_with_one_name_are_refused_at_start()
    {
        var message = await StartFailureAsync(checks => checks
            .AddCheck("orders", new ControllableHealthCheck())
            .AddCheck("Orders", new ControllableHealthCheck()));

        Assert.Contains("Two probes are named 'Orders'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_added_in_code_with_a_timeout_longer_than_the_interval_is_refused_at_start()
    {
        var message = await StartFailureAsync(checks => checks.AddCheck("ledger", new ControllableHealthCheck(), timeout: TimeSpan.FromSeconds(30)));

        Assert.Contains("Probe 'ledger' has a timeout of 00:00:30, longer than Health:Interval (00:00:01)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_critical_probe_added_in_code_whose_result_could_go_stale_is_refused_at_start()
    {
        var message = await StartFailureAsync(
            checks => checks.AddCheck("ledger", new ControllableHealthCheck(), timeout: TimeSpan.FromSeconds(3)),
            new() { ["Health:Interval"] = "00:00:05", ["Health:Timeout"] = "00:00:01", ["Health:MaxAge"] = "00:00:07" });

        Assert.Contains("Probe 'ledger' is critical with a timeout of 00:00:03", message, StringComparison.Ordinal);
        Assert.Contains("shorter than Health:MaxAge (00:00:07)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reporting_only_probe_with_a_long_timeout_is_accepted()
    {
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05").With("Health:Timeout", "00:00:01").With("Health:MaxAge", "00:00:07")
            .WithServices(services => services.AddHealthChecks().AddCheck("ledger", new ControllableHealthCheck(), tags: ["non-critical"], timeout: TimeSpan.FromSeconds(5)));

        await factory.WaitForStatusAsync(200, "OK");
    }

    [Theory]
    [InlineData("Health:Http:api:Timeout", "00:00:03")]
    [InlineData("Health:Memory:Timeout", "00:00:03")]
    public void A_configured_critical_probe_whose_result_could_go_stale_is_refused_naming_its_key(string key, string timeout)
    {
        var error = ConfigurationGuard.FindError(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Health:Interval"] = "00:00:05",
                ["Health:Timeout"] = "00:00:01",
                ["Health:MaxAge"] = "00:00:07",
                ["Health:Http:api:Url"] = "http://127.0.0.1:9/health",
                ["Health:Http:api:Critical"] = "true",
                ["Health:Memory:Critical"] = "true",
                [key] = timeout,
            })
            .Build());

        Assert.NotNull(error);
        Assert.Contains($"{key} (00:00:03) plus Health:Interval (00:00:05) must be shorter than Health:MaxAge (00:00:07)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_MaxAge_near_the_largest_TimeSpan_is_refused_instead_of_overflowing_into_a_permanent_503()
    {
        var error = ConfigurationGuard.FindError(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Health:MaxAge"] = TimeSpan.MaxValue.ToString() })
            .Build());

        Assert.NotNull(error);
        Assert.Contains("Health:MaxAge must be longer than", error, StringComparison.Ordinal);
        Assert.Contains("at most 1.00:00:00", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_staleness_bound_saturates_instead_of_wrapping_into_the_past()
    {
        var now = TimeProvider.System.GetTimestamp();

        Assert.Equal(long.MaxValue, HealthService.Pipeline.ProbeDeadlines.StaleAfter(now, TimeSpan.MaxValue, TimeProvider.System.TimestampFrequency));
        Assert.True(HealthService.Pipeline.ProbeDeadlines.StaleAfter(now, TimeSpan.FromDays(1), TimeProvider.System.TimestampFrequency) > now);
    }
}
