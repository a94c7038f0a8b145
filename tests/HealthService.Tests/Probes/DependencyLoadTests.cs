using System.Diagnostics;
using System.Net;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Probes;

/// <summary>Request floods on /health never turn into load on the dependencies.</summary>
public sealed class DependencyLoadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Thousands_of_concurrent_health_requests_add_no_dependency_calls()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await server.ExecuteAsync("CREATE SEQUENCE probe_calls");
        await using var stub = StubHttpServer.Start();
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:01")
            .With("Health:Timeout", "00:00:00.800")
            .With("Health:Postgres:main:ConnectionString", server.ConnectionString())
            .With("Health:Postgres:main:Query", "SELECT nextval('probe_calls')")
            .With("Health:Http:api:Url", stub.Url().ToString());
        await factory.WaitForStatusAsync(200, "OK");
        await factory.WaitForProbeAsync("http:api", "Healthy");
        var client = factory.CreateClient();

        var queriesBefore = await server.ScalarAsync<long>("SELECT last_value FROM probe_calls");
        var hitsBefore = stub.Hits;
        var elapsed = Stopwatch.StartNew();
        var served = 0;
        var failed = 0;
        long maxConnections = 0;

        // 400 concurrent clients for 5 s (several rounds), bounded in time and count.
        var workers = Enumerable.Range(0, 400).Select(async _ =>
        {
            for (var i = 0; i < 10_000 && elapsed.Elapsed < TimeSpan.FromSeconds(5); i++)
            {
                var response = await client.GetAsync("/health", Ct);
                Interlocked.Increment(ref response.StatusCode == HttpStatusCode.OK ? ref served : ref failed);
            }
        }).ToList();
        var sampler = Task.Run(async () =>
        {
            while (elapsed.Elapsed < TimeSpan.FromSeconds(5))
            {
                var connections = await server.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'HealthService'");
                maxConnections = Math.Max(maxConnections, connections);
                await Task.Delay(200, Ct);
            }
        }, Ct);
        await Task.WhenAll(workers);
        await sampler;
        var seconds = elapsed.Elapsed.TotalSeconds;

        var queries = await server.ScalarAsync<long>("SELECT last_value FROM probe_calls") - queriesBefore;
        var hits = stub.Hits - hitsBefore;
        Assert.True(served > 2000, $"only {served} requests served");
        Assert.Equal(0, failed);
        // One call per one-second round, whatever the request rate.
        Assert.InRange(queries, Math.Floor(seconds) - 1, Math.Ceiling(seconds) + 1);
        Assert.InRange(hits, Math.Floor(seconds) - 1, Math.Ceiling(seconds) + 1);
        Assert.InRange(maxConnections, 1, 2);
    }
}
