using System.Diagnostics;
using System.Text.Json;
using HealthService.Telemetry;
using HealthService.Telemetry.CloudWatch;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HealthService.Tests.Telemetry;

/// <summary>
/// The EMF documents as the application writes them, with stdout replaced by a writer that keeps each write call.
/// What the real process puts on its real stdout is in <see cref="CloudWatchProcessTests"/>.
/// </summary>
public sealed class CloudWatchMetricsTests
{
    private static (HealthServiceFactory Factory, CapturedOutput Output) WithEmf()
    {
        var output = new CapturedOutput();
        var factory = new HealthServiceFactory()
            .With("Health:Metrics:CloudWatch:Enabled", "true")
            .WithServices(services => services.AddSingleton(new EmfOutput(output)));
        return (factory, output);
    }

    [Fact]
    public async Task Each_round_writes_Ready_and_each_probe_its_status_every_document_one_whole_line_in_one_write()
    {
        var (factory, output) = WithEmf();
        await using var _ = factory.WithCheck("db", new ControllableHealthCheck()).WithCheck("reports", new ControllableHealthCheck { Mode = ProbeMode.Degraded }, "non-critical");
        await factory.WaitForStatusAsync(200, "OK");

        await output.WaitForAsync(d => d.IsChangeTo("OK") && d.Number("Ready") == 1, "for the change to OK");
        var round = await output.WaitForAsync(d => d.IsRound(1, "OK"), "for a round with Ready 1");
        var db = await output.WaitForAsync(d => d.IsProbe("db", 2), "for db Healthy");
        var reports = await output.WaitForAsync(d => d.IsProbe("reports", 1), "for reports Degraded");

        Assert.Equal(["Ready"], round.MetricNames());
        Assert.Equal(["ServiceName"], round.DimensionSets());
        Assert.Equal("HealthService", round.Namespace());
        Assert.Equal("HealthService", round.Text("ServiceName")); // the application's name
        Assert.Equal(["ServiceName,Probe"], db.DimensionSets());
        Assert.True(db.GetProperty("Critical").GetBoolean());
        Assert.False(reports.GetProperty("Critical").GetBoolean());
        Assert.Equal("Degraded", reports.Text("Status"));
        Assert.All(output.Documents.Where(d => d.Event() == "Probe"), d => Assert.Contains("ProbeStatus", d.MetricNames()));
        Assert.Contains(output.Documents, d => d.Event() == "Probe" && d.MetricNames().Contains("ProbeDuration") && d.Number("ProbeDuration") is >= 0 and < 1000);
        Assert.All(output.Writes, write =>
        {
            Assert.EndsWith("\n", write, StringComparison.Ordinal);
            Assert.Equal(1, write.Count(c => c == '\n'));
            EmfSpecification.AssertValid(write[..^1]);
        });
    }

    [Fact]
    public async Task A_probe_status_is_the_same_number_in_EMF_and_in_the_meter_2_Healthy_1_Degraded_0_Unhealthy()
    {
        var documented = new Dictionary<string, int> { ["Healthy"] = 2, ["Degraded"] = 1, ["Unhealthy"] = 0 }; // docs/metrics.md
        var (factory, output) = WithEmf();
        await using var _ = factory
            .WithCheck("up", new ControllableHealthCheck())
            .WithCheck("slow", new ControllableHealthCheck { Mode = ProbeMode.Degraded }, "non-critical")
            .WithCheck("down", new ControllableHealthCheck { Mode = ProbeMode.Unhealthy }, "non-critical");
        await factory.WaitForStatusAsync(200, "OK");
        using var gauge = new MetricCollector<int>(factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "HealthService", "healthservice.probe.status");

        var expected = new Dictionary<string, string> { ["up"] = "Healthy", ["slow"] = "Degraded", ["down"] = "Unhealthy" };
        var documents = new Dictionary<string, JsonElement>();
        foreach (var (probe, status) in expected)
        {
            documents[probe] = await output.WaitForAsync(d => d.Event() == "Probe" && d.Text("Probe") == probe && d.Text("Status") == status, $"for {probe} {status}");
        }

        gauge.RecordObservableInstruments(); // every probe has a result by now, and each keeps its status
        var meter = gauge.GetMeasurementSnapshot().ToDictionary(m => m.Tags["probe"]!.ToString()!, m => m.Value);
        foreach (var (probe, status) in expected)
        {
            Assert.Equal((probe, documented[status], documented[status]), (probe, meter[probe], (int)documents[probe].Number("ProbeStatus")!.Value));
        }
    }

    [Fact]
    public async Task Ready_is_0_from_the_moment_health_answers_503_Draining()
    {
        var (factory, output) = WithEmf();
        await using var _ = factory.WithCheck("db", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");
        await output.WaitForAsync(d => d.IsRound(1, "OK"), "for a round with Ready 1");

        factory.Services.GetRequiredService<HealthService.Lifecycle.DrainState>().Begin();
        await factory.WaitForStatusAsync(503, "Draining");

        var change = await output.WaitForAsync(d => d.IsChange("OK", "Draining"), "for the change to Draining");
        Assert.Equal(0, change.Number("Ready"));
        await output.WaitForAsync(d => d.IsRound(0, "Draining"), "for a round with Ready 0 while draining");
    }

    [Fact]
    public async Task A_failing_critical_probe_gives_ProbeStatus_0_Ready_0_and_a_change_naming_it()
    {
        var check = new ControllableHealthCheck();
        var (factory, output) = WithEmf();
        await using var _ = factory.WithCheck("db", check);
        await factory.WaitForStatusAsync(200, "OK");

        check.Mode = ProbeMode.Unhealthy;
        await factory.WaitForStatusAsync(503, "Unhealthy");

        var change = await output.WaitForAsync(d => d.IsChange("OK", "Unhealthy"), "for the change to Unhealthy");
        Assert.Equal(0, change.Number("Ready"));
        Assert.Equal(["db"], change.GetProperty("FailingProbes").EnumerateArray().Select(p => p.GetString()));
        await output.WaitForAsync(d => d.IsRound(0, "Unhealthy"), "for a round with Ready 0");
        var db = await output.WaitForAsync(d => d.IsProbe("db", 0), "for db Unhealthy");
        Assert.Equal("Unhealthy", db.Text("Status"));
    }

    [Fact]
    public async Task A_probe_with_an_interval_of_its_own_reports_its_status_every_round_and_its_duration_once_per_result()
    {
        await using var dependency = StubHttpServer.Start();
        var (factory, output) = WithEmf();
        await using var _ = factory
            .With("Health:Http:slow:Url", dependency.Url().ToString())
            .With("Health:Http:slow:Interval", "00:00:03");
        await factory.WaitForStatusAsync(200, "OK");

        var limit = Stopwatch.StartNew();
        while (output.Documents.Count(d => d.IsRound(1, "OK")) < 7 && limit.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var documents = output.Documents.Where(d => d.IsProbe("http:slow", 2)).ToList();
        var withDuration = documents.Count(d => d.MetricNames().Contains("ProbeDuration"));
        Assert.True(documents.Count >= 6, $"{documents.Count} documents for the probe in {output.Documents.Count(d => d.Event() == "Round")} rounds");
        Assert.InRange(withDuration, 1, dependency.Hits); // one per result, never one per round
        Assert.True(withDuration < documents.Count - 2, $"{withDuration} of {documents.Count} documents carry a duration");
        Assert.All(documents.Where(d => !d.MetricNames().Contains("ProbeDuration")), d => Assert.Null(d.Number("ProbeDuration")));
    }

    [Theory]
    [InlineData(null, null, null, "HealthService", "HealthService")]
    [InlineData("checkout", null, null, "HealthService", "checkout")]
    [InlineData("checkout", "Shop/Orders service", "orders-api", "Shop/Orders service", "orders-api")]
    public async Task Namespace_and_ServiceName_come_from_configuration_else_OTEL_SERVICE_NAME_else_the_application_name(
        string? otelServiceName, string? @namespace, string? serviceName, string expectedNamespace, string expectedServiceName)
    {
        var (factory, output) = WithEmf();
        await using var _ = factory
            .With("OTEL_SERVICE_NAME", otelServiceName)
            .With("Health:Metrics:CloudWatch:Namespace", @namespace)
            .With("Health:Metrics:CloudWatch:ServiceName", serviceName)
            .WithCheck("db", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");

        var round = await output.WaitForAsync(d => d.IsRound(1, "OK"), "for a round");
        var probe = await output.WaitForAsync(d => d.IsProbe("db", 2), "for db");

        Assert.All([round, probe], d =>
        {
            Assert.Equal(expectedNamespace, d.Namespace());
            Assert.Equal(expectedServiceName, d.Text("ServiceName"));
        });
    }

    [Fact]
    public async Task Off_by_default_nothing_is_written()
    {
        var output = new CapturedOutput();
        await using var factory = new HealthServiceFactory()
            .WithServices(services => services.AddSingleton(new EmfOutput(output)))
            .WithCheck("db", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken); // two rounds or more

        Assert.Empty(output.Writes);
        Assert.Null(factory.Services.GetService<CloudWatchMetrics>());
    }

    [Fact]
    public async Task A_stalled_output_never_blocks_the_caller_the_oldest_documents_are_dropped_and_counted_and_one_warning_follows()
    {
        await using var factory = new HealthServiceFactory();
        var metrics = factory.Services.GetRequiredService<HealthMetrics>();
        using var dropped = new MetricCollector<long>(factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "HealthService", "healthservice.emf.dropped");
        using var stalled = new StalledOutput();
        var logs = new FakeLogCollector();
        var writer = new EmfWriter(new EmfOutput(stalled), new EmfSettings("HealthService", "orders", QueueCapacity: 3), metrics, new FakeLogger<EmfWriter>(logs));
        await writer.StartAsync(TestContext.Current.CancellationToken);

        writer.Enqueue("{\"n\":0}");
        Assert.True(stalled.Entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "The writer never started writing");
        var enqueueing = Stopwatch.StartNew();
        for (var n = 1; n <= 9; n++)
        {
            writer.Enqueue($"{{\"n\":{n}}}");
        }

        var enqueueTime = enqueueing.Elapsed;
        dropped.RecordObservableInstruments();
        Assert.Equal(6, dropped.LastMeasurement?.Value); // 9 queued behind the stalled write, 3 kept
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Name == "EmfDocumentsDropped"); // not while stalled: it would be lost too

        stalled.Release();
        var limit = Stopwatch.StartNew();
        while (!logs.GetSnapshot().Any(r => r.Id.Name == "EmfDocumentsDropped") && limit.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await writer.StopAsync(TestContext.Current.CancellationToken);
        Assert.True(enqueueTime < TimeSpan.FromSeconds(1), $"Enqueueing behind a stalled output took {enqueueTime}");
        Assert.Equal(["{\"n\":0}\n", "{\"n\":7}\n", "{\"n\":8}\n", "{\"n\":9}\n"], stalled.Written); // the latest kept
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Name == "EmfDocumentsDropped");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(1601, warning.Id.Id);
        Assert.Contains("6 CloudWatch EMF documents were dropped", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>A stdout whose first write blocks until released, as a pipe nobody reads.</summary>
    private sealed class StalledOutput : TextWriter
    {
        private readonly ManualResetEventSlim _released = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _written = new();

        public ManualResetEventSlim Entered { get; } = new();

        public IReadOnlyList<string> Written => [.. _written];

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public void Release() => _released.Set();

        public override void Write(string? value)
        {
            Entered.Set();
            _released.Wait(TimeSpan.FromSeconds(30));
            _written.Enqueue(value ?? "");
        }

        protected override void Dispose(bool disposing)
        {
            _released.Set();
            if (disposing)
            {
                _released.Dispose();
                Entered.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
