using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HealthService.Tests.Library;

/// <summary>What the library does to the application's host: it raises, never lowers, and a normal stop is quiet.</summary>
public sealed class HostSettingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebApplicationBuilder Builder() => LibraryApp.Builder();

    [Theory]
    [InlineData(45, null, 45)] // the application's own, longer than the library needs: kept
    [InlineData(2, null, 10)] // shorter than Health:ShutdownTimeout (default 10 s): raised to it
    [InlineData(2, "00:00:20", 20)]
    [InlineData(60, "00:00:20", 60)]
    public async Task The_applications_shutdown_timeout_is_raised_to_what_the_stop_needs_and_never_lowered(int applicationSeconds, string? healthShutdownTimeout, int expectedSeconds)
    {
        var builder = Builder();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(applicationSeconds));
        builder.Configuration["Health:ShutdownTimeout"] = healthShutdownTimeout;
        builder.AddHealthService();
        await using var app = builder.Build();

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task An_applications_own_host_lifetime_is_kept_whether_registered_before_or_after_the_library()
    {
        var before = Builder();
        before.Services.AddSingleton<IHostLifetime, OwnLifetime>();
        before.AddHealthService();
        var after = Builder();
        after.AddHealthService();
        after.Services.AddSingleton<IHostLifetime, OwnLifetime>();
        var alone = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production }); // the console lifetime, as in production
        alone.Logging.ClearProviders();
        alone.Configuration.AddInMemoryCollection(HealthServiceFactory.DefaultSettings);
        alone.AddHealthService();
        await using var first = before.Build();
        await using var second = after.Build();
        await using var third = alone.Build();

        Assert.IsType<OwnLifetime>(first.Services.GetRequiredService<IHostLifetime>());
        Assert.IsType<OwnLifetime>(second.Services.GetRequiredService<IHostLifetime>());
        Assert.Equal("DrainingHostLifetime", third.Services.GetRequiredService<IHostLifetime>().GetType().Name); // in place of the console's
    }

    private sealed class OwnLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Theory]
    [InlineData("00:00:05")] // shorter than the framework's default of 30 s
    [InlineData("00:01:00")]
    public async Task The_standalone_service_stops_within_Health_ShutdownTimeout_exactly(string shutdownTimeout)
    {
        await using var factory = new HealthServiceFactory().With("Health:ShutdownTimeout", shutdownTimeout);

        Assert.Equal(TimeSpan.Parse(shutdownTimeout, System.Globalization.CultureInfo.InvariantCulture), factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public async Task A_normal_stop_with_a_probe_in_flight_logs_nothing_above_Information()
    {
        var builder = Builder();
        builder.Logging.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        var check = new ControllableHealthCheck { Mode = ProbeMode.Hang };
        builder.Configuration["Health:Timeout"] = "00:00:01";
        builder.Configuration["Health:Interval"] = "00:00:02";
        builder.AddHealthService().AddCheck("slow", check);
        await using var app = builder.Build();
        app.MapHealthService();
        await app.StartAsync(Ct);
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (check.InFlight == 0)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), "The probe was never called.");
            await Task.Delay(10, Ct);
        }

        await app.StopAsync(Ct);
        check.ReleaseHung();

        var logs = app.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
        Assert.Contains(logs, log => log.Category == "Microsoft.Hosting.Lifetime" || log.Message.Contains("Evaluating", StringComparison.Ordinal)); // the collector saw the host's log
        Assert.Empty(logs.Where(log => log.Level > LogLevel.Information).Select(log => $"{log.Level} {log.Category}: {log.Message} {log.Exception?.GetType().Name}"));
    }
}
