using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;

namespace HealthService.Tests;

public sealed class LoggingTests
{
    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_probe_state_change_is_logged_once_with_probe_statuses_duration_and_reason()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("orders-queue", check);
        await factory.WaitForStatusAsync(200, "OK");

        check.Mode = ProbeMode.Unhealthy;
        await factory.WaitForStatusAsync(503, "Unhealthy");
        var calls = check.Calls;
        await factory.WaitForAsync((_, _) => check.Calls >= calls + 2, TimeSpan.FromSeconds(10)); // more failing rounds: nothing new to log
        check.Mode = ProbeMode.Healthy;
        await factory.WaitForStatusAsync(200, "OK");
        calls = check.Calls;
        await factory.WaitForAsync((_, _) => check.Calls >= calls + 2, TimeSpan.FromSeconds(10)); // and more healthy ones

        var changes = factory.Logs.WithEventName("ProbeStatusChanged")
            .Where(e => CollectingSink.Scalar(e, "Probe") == "orders-queue").ToList();
        Assert.Equal(
            ["Starting>Healthy", "Healthy>Unhealthy", "Unhealthy>Healthy"],
            changes.Select(e => $"{CollectingSink.Scalar(e, "PreviousStatus")}>{CollectingSink.Scalar(e, "Status")}"));
        Assert.Equal(LogEventLevel.Warning, changes[1].Level);
        Assert.Equal("failing on purpose", CollectingSink.Scalar(changes[1], "Reason"));
        Assert.All(changes, e => Assert.InRange(double.Parse(CollectingSink.Scalar(e, "DurationMs")!, System.Globalization.CultureInfo.InvariantCulture), double.Epsilon, 500));

        var readiness = factory.Logs.WithEventName("ReadinessChanged").Select(e => CollectingSink.Scalar(e, "Readiness"));
        Assert.Equal(["OK", "Unhealthy", "OK"], readiness);
    }

    [Fact]
    public async Task Routine_health_requests_are_not_logged_at_information_or_above()
    {
        await using var factory = new HealthServiceFactory().WithCheck("steady", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct);
        var before = factory.Logs.Events.Count;

        var client = factory.CreateClient();
        for (var i = 0; i < 100; i++)
        {
            await client.GetAsync("/health", Ct);
            await client.GetAsync("/health/live", Ct);
            await client.GetAsync("/health/", Ct);
            using var head = new HttpRequestMessage(HttpMethod.Head, "/health");
            await client.SendAsync(head, Ct);
        }

        var during = factory.Logs.Events.Skip(before).Where(e => e.Level >= LogEventLevel.Information).ToList();
        Assert.Empty(during.Select(e => e.RenderMessage()));
    }

    [Fact]
    public async Task Other_requests_are_logged_once_each_by_request_logging()
    {
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", DetailsKey)
            .WithRemoteAddress(System.Net.IPAddress.Parse("10.0.3.7"));
        await factory.WaitForStatusAsync(200, "OK");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/details?verbose=1");
        request.Headers.Add("X-Health-Key", DetailsKey);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await factory.CreateClient().SendAsync(request, Ct)).StatusCode);

        var logged = await factory.Logs.WaitForAsync(e => CollectingSink.Scalar(e, "RequestPath") == "/health/details");
        Assert.Equal("200", CollectingSink.Scalar(logged, "StatusCode"));
        Assert.Equal(LogEventLevel.Information, logged.Level);
        await Task.Delay(200, Ct);
        Assert.Single(factory.Logs.Events, e => CollectingSink.Scalar(e, "RequestPath") == "/health/details");
        Assert.DoesNotContain(DetailsKey, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_dropped_while_the_output_is_stalled_are_counted_and_reported_once_it_flows_again()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new HealthServiceFactory()
            .With("Serilog:MinimumLevel:Default", "Verbose")
            .With("Serilog:MinimumLevel:Override:Microsoft", "Verbose")
            .WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");
        var meters = factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var dropped = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "HealthService", "healthservice.log.dropped");
        var client = factory.CreateClient();

        // A sink that blocks, as a stdout pipe nobody reads; every request for a page of the application writes a
        // dozen framework events (the load balancer's paths are answered before any of that).
        factory.Logs.Jam();
        var answered = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/orders", Ct)).StatusCode);
        }

        Assert.True(answered.Elapsed < TimeSpan.FromSeconds(30), $"3000 requests took {answered.Elapsed} with the log stalled");
        dropped.RecordObservableInstruments();
        var total = dropped.LastMeasurement?.Value ?? 0;
        Assert.True(total > 1000, $"{total} events dropped");

        // Once the output flows again, one line tells how many were lost.
        factory.Logs.Unjam();
        await factory.LogsWrittenAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(100, Ct);
        time.Advance(TimeSpan.FromSeconds(10));
        var report = await factory.Logs.WaitForAsync(e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("LogEventsDropped", StringComparison.Ordinal));
        Assert.Equal(LogEventLevel.Warning, report.Level);
        dropped.RecordObservableInstruments();
        Assert.Equal(dropped.LastMeasurement?.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), CollectingSink.Scalar(report, "TotalDropped"));
        Assert.Single(factory.Logs.WithEventName("LogEventsDropped"));
    }

    [Fact]
    public async Task Unknown_paths_and_refused_detail_requests_are_counted_and_summed_up_once_a_minute()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new HealthServiceFactory()
            .WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        for (var i = 0; i < 300; i++)
        {
            await client.GetAsync($"/wp-admin/{i}.php", Ct);
        }

        for (var i = 0; i < 40; i++)
        {
            using var request = new HttpRequestMessage(i % 2 == 0 ? HttpMethod.Get : HttpMethod.Post, "/health/details");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.SendAsync(request, Ct)).StatusCode); // the view is off by default
        }

        // Not one line per request: an outsider cannot drive log volume.
        await Task.Delay(300, Ct);
        Assert.DoesNotContain(factory.Logs.Events, e => CollectingSink.Scalar(e, "RequestPath") is not null);

        for (var i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(50, Ct);
        }

        var summary = await factory.Logs.WaitForAsync(e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("RequestsCounted", StringComparison.Ordinal));
        Assert.Equal(("300", "40"), (CollectingSink.Scalar(summary, "Unmatched"), CollectingSink.Scalar(summary, "RefusedDetails")));
        Assert.Equal(LogEventLevel.Information, summary.Level);
        Assert.Single(factory.Logs.WithEventName("RequestsCounted"));
    }

    [Fact]
    public async Task Two_hosts_in_one_process_keep_their_logs_apart()
    {
        await using var first = new HealthServiceFactory().WithCheck("first-only", new ControllableHealthCheck());
        await using var second = new HealthServiceFactory().WithCheck("second-only", new ControllableHealthCheck());
        await first.WaitForStatusAsync(200, "OK");
        await second.WaitForStatusAsync(200, "OK");

        Assert.DoesNotContain(first.Logs.Events, e => CollectingSink.Scalar(e, "Probe") == "second-only");
        Assert.DoesNotContain(second.Logs.Events, e => CollectingSink.Scalar(e, "Probe") == "first-only");
        Assert.Contains(first.Logs.Events, e => CollectingSink.Scalar(e, "Probe") == "first-only");
    }

    [Fact]
    public async Task A_sink_named_in_the_Serilog_section_receives_the_events_in_compact_json()
    {
        // The real process: a test host's chained configuration reports empty values for sections, which the
        // Serilog reader takes for sink names.
        var folder = Directory.CreateTempSubdirectory("healthservice-log-");
        try
        {
            var path = Path.Combine(folder.FullName, "service.clef");
            var port = ServiceProcess.FreeLoopbackPort();
            var service = ServiceProcess.Start(new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Health__DrainDelay"] = "00:00:00",
                ["Serilog__WriteTo__File__Name"] = "File",
                ["Serilog__WriteTo__File__Args__path"] = path,
                ["Serilog__WriteTo__File__Args__formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
            });
            await using (service)
            {
                await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));
                service.Signal("TERM");
                Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }

            // The logger is flushed and the file closed when the host stops.
            var lines = await File.ReadAllLinesAsync(path, Ct);
            Assert.Contains(lines, line => line.StartsWith("{\"@t\":", StringComparison.Ordinal) && line.Contains("\"ReadinessChanged\"", StringComparison.Ordinal));
            Assert.Contains(service.StandardOutput, line => line.Contains("\"ReadinessChanged\"", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Minimum_levels_and_overrides_come_from_the_Serilog_section()
    {
        await using var factory = new HealthServiceFactory()
            .With("Serilog:MinimumLevel:Override:HealthService", "Warning")
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", DetailsKey)
            .WithRemoteAddress(System.Net.IPAddress.Parse("10.0.3.7"))
            .WithCheck("quiet", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/details");
        request.Headers.Add("X-Health-Key", DetailsKey);
        await factory.CreateClient().SendAsync(request, Ct);
        await factory.Logs.WaitForAsync(e => CollectingSink.Scalar(e, "RequestPath") == "/health/details");

        // The service's own Information events (probe and readiness changes) are filtered out; request logging,
        // in the Serilog.AspNetCore namespace, still writes.
        Assert.DoesNotContain(factory.Logs.Events, e => e.Level < LogEventLevel.Warning && CollectingSink.Scalar(e, "SourceContext")?.StartsWith("HealthService", StringComparison.Ordinal) == true);
    }
}
