using System.Diagnostics.Metrics;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HealthService.Tests.Telemetry;

public sealed class MetricsTests
{
    private static IMeterFactory Meters(HealthServiceFactory factory) => factory.Services.GetRequiredService<IMeterFactory>();

    private static string? Tag<T>(CollectedMeasurement<T> measurement, string key)
        where T : struct => measurement.Tags.TryGetValue(key, out var value) ? value?.ToString() : null;

    [Fact]
    public async Task The_status_gauge_reports_each_probe_and_readiness()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("db", check).WithCheck("reports", new ControllableHealthCheck { Mode = ProbeMode.Degraded }, "non-critical");
        await factory.WaitForStatusAsync(200, "OK");
        using var status = new MetricCollector<int>(Meters(factory), "HealthService", "healthservice.probe.status");
        using var ready = new MetricCollector<int>(Meters(factory), "HealthService", "healthservice.ready");

        status.RecordObservableInstruments();
        ready.RecordObservableInstruments();
        var values = status.GetMeasurementSnapshot().ToDictionary(m => Tag(m, "probe")!, m => (m.Value, Tag(m, "critical")));
        Assert.Equal((2, "True"), values["db"]);
        Assert.Equal((1, "False"), values["reports"]);
        Assert.Equal(1, ready.LastMeasurement?.Value);

        check.Mode = ProbeMode.Unhealthy;
        await factory.WaitForStatusAsync(503, "Unhealthy");
        status.Clear();
        status.RecordObservableInstruments();
        ready.RecordObservableInstruments();
        Assert.Equal(0, status.GetMeasurementSnapshot().Single(m => Tag(m, "probe") == "db").Value);
        Assert.Equal(0, ready.LastMeasurement?.Value);
    }

    [Fact]
    public async Task The_readiness_gauge_reads_0_while_draining_as_health_does()
    {
        await using var factory = new HealthServiceFactory().WithCheck("db", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");
        using var ready = new MetricCollector<int>(Meters(factory), "HealthService", "healthservice.ready");

        factory.Services.GetRequiredService<HealthService.Lifecycle.DrainState>().Begin();

        await factory.WaitForStatusAsync(503, "Draining");
        ready.RecordObservableInstruments();
        Assert.Equal(0, ready.LastMeasurement?.Value);
    }

    [Fact]
    public async Task Snapshot_and_result_ages_are_gauges_that_grow_until_the_next_result()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:05").With("Health:Timeout", "00:00:01")
            .WithCheck("db", new ControllableHealthCheck())
            .WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");
        using var snapshotAge = new MetricCollector<double>(Meters(factory), "HealthService", "healthservice.snapshot.age");
        using var probeAge = new MetricCollector<double>(Meters(factory), "HealthService", "healthservice.probe.age");

        time.Advance(TimeSpan.FromSeconds(3)); // less than a round: nothing new is published
        snapshotAge.RecordObservableInstruments();
        probeAge.RecordObservableInstruments();
        Assert.Equal(3, snapshotAge.LastMeasurement?.Value);
        Assert.Equal(3, probeAge.GetMeasurementSnapshot().Single(m => Tag(m, "probe") == "db").Value);
    }

    [Fact]
    public async Task Transitions_are_counted_and_durations_recorded()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("db", check);
        await factory.WaitForStatusAsync(200, "OK");
        using var transitions = new MetricCollector<long>(Meters(factory), "HealthService", "healthservice.probe.transitions");
        using var probeDuration = new MetricCollector<double>(Meters(factory), "HealthService", "healthservice.probe.duration");
        using var roundDuration = new MetricCollector<double>(Meters(factory), "HealthService", "healthservice.evaluation.duration");

        check.Mode = ProbeMode.Unhealthy;
        await factory.WaitForStatusAsync(503, "Unhealthy");
        check.Mode = ProbeMode.Healthy;
        await factory.WaitForStatusAsync(200, "OK");

        var changes = transitions.GetMeasurementSnapshot().Select(m => $"{Tag(m, "probe")}:{Tag(m, "from")}>{Tag(m, "to")}={m.Value}");
        Assert.Equal(["db:Healthy>Unhealthy=1", "db:Unhealthy>Healthy=1"], changes);
        Assert.Contains(probeDuration.GetMeasurementSnapshot(), m => Tag(m, "probe") == "db" && Tag(m, "status") == "Unhealthy" && m.Value is >= 0 and < 1);
        Assert.NotEmpty(roundDuration.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Metrics_are_exported_over_OTLP_when_an_endpoint_is_set()
    {
        await using var collector = StubHttpServer.Start();
        await using var factory = new HealthServiceFactory()
            .With("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{collector.Port}")
            .With("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .With("OTEL_METRIC_EXPORT_INTERVAL", "500")
            .WithCheck("db", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");

        await collector.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var export = collector.Requests[0];
        Assert.Equal("POST", export.Method);
        Assert.Equal("/v1/metrics", export.Path);
        Assert.Equal("application/x-protobuf", export.Headers["Content-Type"]);
        // The protobuf carries the metric names as plain strings.
        Assert.Contains(collector.Requests, r => r.Body.Contains("healthservice.probe.status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_exported_service_name_is_OTEL_SERVICE_NAME_when_set()
    {
        await using var collector = StubHttpServer.Start();
        await using var factory = new HealthServiceFactory()
            .With("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{collector.Port}")
            .With("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .With("OTEL_METRIC_EXPORT_INTERVAL", "500")
            .With("OTEL_SERVICE_NAME", "checkout-api")
            .WithCheck("db", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");

        await collector.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // The resource's attributes travel as plain strings too; the CloudWatch ServiceName dimension uses the same name.
        Assert.Contains(collector.Requests, r => r.Body.Contains("checkout-api", StringComparison.Ordinal));
    }
}
