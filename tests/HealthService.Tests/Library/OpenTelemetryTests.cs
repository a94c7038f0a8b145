using System.Diagnostics.Metrics;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HealthService.Tests.Library;

/// <summary>
/// Runs alone: OpenTelemetry's meter provider listens to meters by name across the whole process, so the
/// <c>HealthService</c> meters of other tests' hosts running at the same time would join its exports. (A real
/// application has one host in its process.)
/// </summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class ProcessWideMeters;

/// <summary>
/// OpenTelemetry belongs to the application: the library adds its meter to the application's own meter provider and
/// exports nothing by itself. The exports are read by a loopback OTLP/HTTP receiver.
/// </summary>
[Collection(typeof(ProcessWideMeters))]
public sealed class OpenTelemetryTests
{
    private const string AppMeter = "Orders";
    private const string AppCounter = "orders.placed";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("UseOtlpExporter", true)] // as .NET Aspire's ServiceDefaults do, the library added after
    [InlineData("AddOtlpExporter", false)] // the exporter on the metrics builder, the library added first
    public async Task The_applications_own_metrics_keep_flowing_with_the_library_added_and_its_instruments_join_them_once(string exporter, bool libraryLast)
    {
        await using var receiver = StubHttpServer.Start();
        var builder = LibraryApp.Builder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{receiver.Port}";
        builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        builder.Configuration["OTEL_METRIC_EXPORT_INTERVAL"] = "300";
        if (!libraryLast)
        {
            builder.AddHealthService();
        }

        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("orders-api"));
        if (exporter == "UseOtlpExporter")
        {
            telemetry.WithMetrics(metrics => metrics.AddMeter(AppMeter)).UseOtlpExporter();
        }
        else
        {
            telemetry.WithMetrics(metrics => metrics.AddMeter(AppMeter).AddOtlpExporter());
        }

        if (libraryLast)
        {
            builder.AddHealthService();
        }

        await using var app = builder.Build();
        app.MapHealthService();
        var placed = app.Services.GetRequiredService<IMeterFactory>().Create(AppMeter).CreateCounter<long>(AppCounter);
        await app.StartAsync(Ct);
        placed.Add(3);
        var mark = receiver.Hits; // an export already under way may have been collected before the count

        await receiver.WaitForHitsAsync(mark + 4, TimeSpan.FromSeconds(15), Ct);

        var exports = receiver.Requests.Skip(mark + 1).Take(3).ToList();
        // The protobuf carries names as plain strings: each export has the application's counter and the library's
        // readiness gauge exactly once, under the application's own resource. (Counted first, so that a failure
        // shows the counts, not the binary bodies.)
        var seen = exports.Select(export => (export.Path, Counter: Occurrences(export.Body, AppCounter), Ready: Occurrences(export.Body, "healthservice.ready"),
            Resource: export.Body.Contains("orders-api", StringComparison.Ordinal))).ToList();
        Assert.All(seen, export => Assert.Equal(("/v1/metrics", 1, 1, true), export));
        await app.StopAsync(Ct);
    }

    [Fact]
    public async Task An_application_without_OpenTelemetry_gets_no_meter_provider_and_no_exporter_from_the_library()
    {
        var builder = LibraryApp.Builder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9/";
        builder.AddHealthService();
        await using var app = builder.Build();

        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), service => service.GetType().FullName!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
