using System.Collections.Concurrent;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Library;

/// <summary>
/// The framework's health-check abstractions serve the snapshot: <see cref="HealthCheckService"/> never runs a probe,
/// and every <see cref="IHealthCheckPublisher"/> gets each round's report from the loop, on its own deadline.
/// </summary>
public sealed class FrameworkAbstractionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeTimeProvider Clock() => new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_HealthCheckService_in_DI_answers_from_the_snapshot_and_never_runs_a_probe()
    {
        var check = new ControllableHealthCheck();
        var reporting = new ControllableHealthCheck { Mode = ProbeMode.Degraded };
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05")
            .WithCheck("orders", check)
            .WithCheck("reports", reporting, "non-critical");
        await factory.WaitForStatusAsync(200, "OK");
        await factory.WaitForProbeAsync("reports", "Degraded");
        var calls = check.Calls;
        var service = factory.Services.GetRequiredService<HealthCheckService>();

        HealthReport report = null!;
        for (var i = 0; i < 200; i++)
        {
            report = await service.CheckHealthAsync(Ct);
        }

        var filtered = await service.CheckHealthAsync(r => r.Tags.Contains("non-critical"), Ct);

        Assert.Equal(calls, check.Calls); // 200 calls, not one probe run
        Assert.Equal(HealthStatus.Healthy, report.Entries["orders"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal(["reports"], filtered.Entries.Keys);
    }

    [Fact]
    public async Task Every_publisher_receives_one_report_per_round_from_the_loop()
    {
        var time = Clock();
        var publisher = new CountingPublisher();
        await using var factory = new HealthServiceFactory()
            .WithCheck("orders", new ControllableHealthCheck())
            .WithServices(services => services.AddSingleton<TimeProvider>(time).AddSingleton<IHealthCheckPublisher>(publisher));
        await factory.WaitForStatusAsync(200, "OK");
        await ReportedAsync(factory, publisher, 1);

        for (var round = 2; round <= 6; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await ReportedAsync(factory, publisher, round);
        }

        // The framework's own publisher service (which an AddHealthChecks() after AddHealthService brings back) would
        // add reports of its own on its timer: none come. Evidence first: one more round's report, and only it.
        time.Advance(TimeSpan.FromSeconds(1));
        await ReportedAsync(factory, publisher, 7);
        Assert.Equal(7, publisher.Reports.Count);
        Assert.All(publisher.Reports, report => Assert.Equal(HealthStatus.Healthy, report.Entries["orders"].Status));
    }

    [Fact]
    public async Task The_publisher_predicate_sees_the_registrations_as_the_application_made_them()
    {
        var publisher = new CountingPublisher();
        var asked = new ConcurrentBag<HealthCheckRegistration>();
        await using var factory = new HealthServiceFactory()
            .WithServices(services => services
                .AddSingleton<TimeProvider>(Clock())
                .AddSingleton<IHealthCheckPublisher>(publisher)
                .Configure<HealthCheckPublisherOptions>(options => options.Predicate = registration =>
                {
                    asked.Add(registration);
                    return registration.FailureStatus == HealthStatus.Degraded;
                })
                .AddHealthChecks()
                .AddCheck("orders", new ControllableHealthCheck())
                .AddCheck("reports", new ControllableHealthCheck(), failureStatus: HealthStatus.Degraded, tags: ["non-critical"]));
        await factory.WaitForStatusAsync(200, "OK");
        await ReportedAsync(factory, publisher, 1);

        var registered = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Equal(["reports"], publisher.Reports.First().Entries.Keys);
        Assert.Equal(["orders", "reports"], asked.Select(r => r.Name).Distinct().Order());
        Assert.All(asked, registration => Assert.Contains(registered, r => ReferenceEquals(r, registration)));
    }

    [Fact]
    public async Task A_hung_or_throwing_publisher_delays_neither_the_rounds_nor_the_other_publishers_nor_health()
    {
        var time = Clock();
        var steady = new CountingPublisher();
        await using var factory = new HealthServiceFactory()
            .WithCheck("orders", new ControllableHealthCheck())
            .WithServices(services => services
                .AddSingleton<TimeProvider>(time)
                .Configure<HealthCheckPublisherOptions>(options => options.Timeout = TimeSpan.FromSeconds(2))
                .AddSingleton<IHealthCheckPublisher>(new HangingPublisher())
                .AddSingleton<IHealthCheckPublisher>(new ThrowingPublisher())
                .AddSingleton<IHealthCheckPublisher>(steady));
        await factory.WaitForStatusAsync(200, "OK");
        await ReportedAsync(factory, steady, 1);

        for (var round = 2; round <= 4; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await ReportedAsync(factory, steady, round);
            await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(1));
        }

        // The hung one is skipped while busy, then given up at its own deadline; the throwing one is logged.
        var skipped = await factory.Logs.WaitForAsync(e => CollectingSink.Scalar(e, "Publisher") == nameof(HangingPublisher) && e.MessageTemplate.Text.Contains("still busy", StringComparison.Ordinal));
        Assert.Equal(Serilog.Events.LogEventLevel.Warning, skipped.Level);
        await factory.Logs.WaitForAsync(e => CollectingSink.Scalar(e, "Publisher") == nameof(ThrowingPublisher) && CollectingSink.Scalar(e, "Failure") == "failed with InvalidOperationException");
        time.Advance(TimeSpan.FromSeconds(1));
        await factory.Logs.WaitForAsync(e => CollectingSink.Scalar(e, "Publisher") == nameof(HangingPublisher) && CollectingSink.Scalar(e, "Failure") == "timed out after 2 s");
    }

    /// <summary>
    /// Waits until <paramref name="publisher"/> has <paramref name="count"/> reports and its last call has ended: a
    /// round started while it is still busy skips it by design, so moving the clock on before that would lose a report.
    /// </summary>
    private static async Task ReportedAsync(HealthServiceFactory factory, CountingPublisher publisher, int count)
    {
        await publisher.WaitForAsync(count);
        var dispatcher = factory.Services.GetRequiredService<HealthService.Pipeline.PublisherDispatcher>();
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (dispatcher.IsBusy(publisher))
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), "The publisher's call did not end within 10 s.");
            await Task.Delay(5, Ct);
        }
    }

    private sealed class CountingPublisher : IHealthCheckPublisher
    {
        public ConcurrentQueue<HealthReport> Reports { get; } = new();

        public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
        {
            Reports.Enqueue(report);
            return Task.CompletedTask;
        }

        public async Task WaitForAsync(int count)
        {
            var limit = System.Diagnostics.Stopwatch.StartNew();
            while (Reports.Count < count)
            {
                Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), $"{Reports.Count} reports, expected {count}");
                await Task.Delay(10);
            }
        }
    }

    private sealed class HangingPublisher : IHealthCheckPublisher
    {
        public Task PublishAsync(HealthReport report, CancellationToken cancellationToken) => new TaskCompletionSource().Task; // ignores its token
    }

    private sealed class ThrowingPublisher : IHealthCheckPublisher
    {
        public Task PublishAsync(HealthReport report, CancellationToken cancellationToken) => throw new InvalidOperationException("hunter2");
    }
}
