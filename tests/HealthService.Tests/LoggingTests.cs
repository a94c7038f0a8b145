using HealthService.Tests.Infrastructure;
using Serilog.Events;

namespace HealthService.Tests;

public sealed class LoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_probe_state_change_is_logged_once_with_probe_statuses_duration_and_reason()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("orders-queue", check);
        await factory.WaitForStatusAsync(200, "OK");

        check.Mode = ProbeMode.Unhealthy;
        await factory.WaitForStatusAsync(503, "Unhealthy");
        await Task.Delay(TimeSpan.FromSeconds(2.2), Ct); // two more failing rounds: nothing new to log
        check.Mode = ProbeMode.Healthy;
        await factory.WaitForStatusAsync(200, "OK");
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct);

        var changes = factory.Logs.WithEventName("ProbeStatusChanged")
            .Where(e => CollectingSink.Scalar(e, "Probe") == "orders-queue").ToList();
        Assert.Equal(
            ["Starting>Healthy", "Healthy>Unhealthy", "Unhealthy>Healthy"],
            changes.Select(e => $"{CollectingSink.Scalar(e, "PreviousStatus")}>{CollectingSink.Scalar(e, "Status")}"));
        Assert.Equal(LogEventLevel.Warning, changes[1].Level);
        Assert.Equal("failing on purpose", CollectingSink.Scalar(changes[1], "Reason"));
        Assert.All(changes, e => Assert.InRange(double.Parse(CollectingSink.Scalar(e, "DurationMs")!, System.Globalization.CultureInfo.InvariantCulture), double.Epsilon, 500));

        var readiness = factory.Logs.WithEventName("ReadinessChanged").Select(e => CollectingSink.Scalar(e, "Readiness"));
        Assert.Equal(["Ready", "NotReady", "Ready"], readiness);
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
        await using var factory = new HealthServiceFactory();
        await factory.WaitForStatusAsync(200, "OK");

        await factory.CreateClient().GetAsync("/not-here", Ct);

        var request = Assert.Single(factory.Logs.Events, e => CollectingSink.Scalar(e, "RequestPath") == "/not-here");
        Assert.Equal("404", CollectingSink.Scalar(request, "StatusCode"));
    }

    [Fact]
    public async Task Requests_for_the_detailed_view_are_logged_even_when_refused()
    {
        await using var factory = new HealthServiceFactory();
        await factory.WaitForStatusAsync(200, "OK");

        var response = await factory.CreateClient().GetAsync("/health/details", Ct);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode); // the view is off by default
        var request = Assert.Single(factory.Logs.Events, e => CollectingSink.Scalar(e, "RequestPath") == "/health/details");
        Assert.Equal("404", CollectingSink.Scalar(request, "StatusCode"));
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
            .WithCheck("quiet", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");
        await factory.CreateClient().GetAsync("/not-here", Ct);

        // The service's own Information events (probe and readiness changes) are filtered out; request logging,
        // in the Serilog.AspNetCore namespace, still writes.
        Assert.DoesNotContain(factory.Logs.Events, e => e.Level < LogEventLevel.Warning && CollectingSink.Scalar(e, "SourceContext")?.StartsWith("HealthService", StringComparison.Ordinal) == true);
        Assert.Contains(factory.Logs.Events, e => CollectingSink.Scalar(e, "RequestPath") == "/not-here");
    }
}
