using BenchmarkDotNet.Attributes;
using HealthService.Endpoints;
using HealthService.Lifecycle;
using HealthService.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HandlerBenchmarks;

/// <summary>
/// One GET /health request through the handler, on a reused <see cref="DefaultHttpContext"/> whose body is
/// <see cref="Stream.Null"/>: what the handler itself costs per request, without sockets, parsing or Kestrel's
/// response writing. The baseline is the bare Kestrel app's handler (bench/BareKestrel/Program.cs, same writes);
/// the service's is <see cref="ReadinessEndpoint.HandleAsync"/>, the delegate /health is mapped to, reading a
/// published, fresh, ready snapshot with the default probes in it.
/// </summary>
[MemoryDiagnoser]
public class ReadinessHandlerBenchmarks
{
    private static readonly byte[] Ok = "OK"u8.ToArray();

    private readonly DefaultHttpContext _context = new();
    private RequestDelegate _bare = BareHandler;
    private RequestDelegate _service = BareHandler;

    [GlobalSetup]
    public void Setup()
    {
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = HealthServiceEndpointOptions.DefaultReadinessPath;
        _context.Response.Body = Stream.Null;

        var entries = new Dictionary<string, HealthReportEntry>
        {
            ["memory"] = new(HealthStatus.Healthy, "memory 13.3% used", TimeSpan.FromMilliseconds(1), null, null, [HealthTags.NonCritical]),
            ["cpu"] = new(HealthStatus.Healthy, "cpu 4.0% used", TimeSpan.FromMilliseconds(1), null, null, [HealthTags.NonCritical]),
            ["disk"] = new(HealthStatus.Healthy, "disk 41.0% used", TimeSpan.FromMilliseconds(1), null, null, [HealthTags.NonCritical]),
            ["postgres:bench"] = new(HealthStatus.Healthy, null, TimeSpan.FromMilliseconds(2), null, null, [HealthTags.Critical]),
            ["http:dependency"] = new(HealthStatus.Healthy, null, TimeSpan.FromMilliseconds(2), null, null, [HealthTags.NonCritical]),
        };
        var time = TimeProvider.System;
        var store = new HealthSnapshotStore();
        store.Publish(new HealthSnapshot(
            new HealthReport(entries, TimeSpan.FromMilliseconds(3)),
            entries.ToDictionary(e => e.Key, _ => time.GetUtcNow()),
            IsReady: true,
            AwaitsCritical: false,
            time.GetUtcNow(),
            StaleAfterTimestamp: time.GetTimestamp() + (time.TimestampFrequency * 3600),
            HeartbeatTimestamp: time.GetTimestamp(),
            RawResults: entries));
        var decision = new ReadinessDecision(store, new DrainState(), new MaintenanceState(time), new Lazy<TimeSpan>(TimeSpan.FromSeconds(5)), time);
        _service = new ReadinessEndpoint(store, decision).HandleAsync;
        _bare = BareHandler;
    }

    [Benchmark(Baseline = true, Description = "bare")]
    public Task Bare() => _bare(_context);

    [Benchmark(Description = "service")]
    public Task Service() => _service(_context);

    /// <summary>The handler of bench/BareKestrel/Program.cs, write for write.</summary>
    private static Task BareHandler(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = Ok.Length;
        return response.Body.WriteAsync(Ok, context.RequestAborted).AsTask();
    }
}
