using System.Diagnostics;
using System.Net;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Probes;

/// <summary>
/// The MySQL probe in the service run as a real process (the native executable in CI), against a real MariaDB server:
/// a flood of <c>/health</c> requests never opens more than two server connections, and a hung server neither
/// holds <c>/health</c> up nor leaves connections behind.
/// </summary>
public sealed class MySqlProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Environment(int port, MariaDbServer server) => new()
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["Health__Interval"] = "00:00:01",
        ["Health__Timeout"] = "00:00:00.800",
        ["Health__DrainDelay"] = "00:00:00",
        ["Health__MySql__main__ConnectionString"] = server.ConnectionString(),
    };

    [Fact]
    public async Task Thousands_of_health_requests_are_answered_while_the_probe_holds_at_most_two_server_connections()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        var port = ServiceProcess.FreeLoopbackPort();
        var service = ServiceProcess.Start(Environment(port, server));
        await using (service)
        {
            var health = new Uri($"http://127.0.0.1:{port}/health");
            await service.WaitForStatusAsync(health.ToString(), 200, TimeSpan.FromSeconds(30));
            using var client = new HttpClient();
            var elapsed = Stopwatch.StartNew();
            var served = 0;
            var failed = 0;
            long maxConnections = 0;

            // 200 concurrent clients for 5 s (five rounds), bounded in time and count.
            var workers = Enumerable.Range(0, 200).Select(async _ =>
            {
                for (var i = 0; i < 10_000 && elapsed.Elapsed < TimeSpan.FromSeconds(5); i++)
                {
                    using var response = await client.GetAsync(health, Ct);
                    Interlocked.Increment(ref response.StatusCode == HttpStatusCode.OK ? ref served : ref failed);
                }
            }).ToList();
            var sampler = Task.Run(async () =>
            {
                while (elapsed.Elapsed < TimeSpan.FromSeconds(5))
                {
                    maxConnections = Math.Max(maxConnections, await server.ProbeConnectionsAsync());
                    await Task.Delay(100, Ct);
                }
            }, Ct);
            await Task.WhenAll(workers);
            await sampler;

            Assert.True(served > 2000, $"only {served} requests served");
            Assert.Equal(0, failed);
            Assert.InRange(maxConnections, 1, 2);
            Assert.DoesNotContain(service.StandardOutput.Concat(service.StandardError), line => line.Contains(server.Password, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_frozen_server_gives_503_at_the_deadline_health_stays_fast_and_after_it_thaws_two_connections_at_most_remain()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        var port = ServiceProcess.FreeLoopbackPort();
        var service = ServiceProcess.Start(Environment(port, server));
        await using (service)
        {
            var health = new Uri($"http://127.0.0.1:{port}/health");
            await service.WaitForStatusAsync(health.ToString(), 200, TimeSpan.FromSeconds(30));
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

            server.Freeze();
            // Five rounds against the frozen server, each failing at its deadline.
            var answers = await HealthAnswers.PollAsync(client, health.ToString(), TimeSpan.FromSeconds(5));

            // Interval 1 s, deadline 0.8 s: the first round that meets the frozen server fails at its deadline.
            TestContext.Current.TestOutputHelper?.WriteLine($"/health while frozen: {answers.Summary()}");
            var unhealthy = answers.FirstOrDefault(a => a.Status == HttpStatusCode.ServiceUnavailable);
            Assert.True(unhealthy is not null, $"no 503 while the server was frozen: {answers.Summary()}");
            Assert.InRange(unhealthy.AskedAt + unhealthy.Took, TimeSpan.FromSeconds(0.7), TimeSpan.FromSeconds(3.5));
            // No answer waits for the probe: most are fast, and answers slow enough to have waited for a round (half
            // the deadline or more) are not one per round, which waiting would give, but at most the odd stall of a
            // loaded machine (one of 740 ms has been seen).
            Assert.True(answers.Percentile(0.5) < TimeSpan.FromMilliseconds(100), $"/health answers: {answers.Summary()}");
            Assert.True(answers.Count(a => a.Took >= TimeSpan.FromSeconds(0.4)) <= 2, $"/health answers: {answers.Summary()}");

            // Those rounds failed while it stayed frozen; none may leave a connection behind.
            server.Thaw();
            await service.WaitForStatusAsync(health.ToString(), 200, TimeSpan.FromSeconds(10));
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            Assert.InRange(await server.ProbeConnectionsAsync(), 0, 2);
        }
    }
}
