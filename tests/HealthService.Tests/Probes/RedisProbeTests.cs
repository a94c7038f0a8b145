using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HealthService.Configuration;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace HealthService.Tests.Probes;

/// <summary>Redis probes against a real redis-server started for each test, and the PostgreSQL probe's fault matrix.</summary>
public sealed class RedisProbeTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory() => new HealthServiceFactory()
        .With("Health:Interval", "00:00:02")
        .With("Health:Timeout", "00:00:01");

    [Fact]
    public async Task Health_returns_200_when_redis_answers_and_its_password_appears_nowhere()
    {
        await using var server = await RedisServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Redis:cache:ConnectionString", server.ConnectionString());

        var response = await factory.WaitForStatusAsync(200, "OK");
        var change = await factory.WaitForProbeAsync("redis:cache", "Healthy");

        Assert.Equal($"127.0.0.1:{server.Port} answered", CollectingSink.Scalar(change, "Reason"));
        Assert.DoesNotContain(server.Password, factory.AllLogText(), StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // One connection, named; no subscription connection.
        Assert.Equal(1, await server.ClientsNamedAsync("HealthService"));
    }

    [Fact]
    public async Task Health_returns_503_when_redis_is_killed_and_200_again_after_it_restarts()
    {
        await using var server = await RedisServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Redis:cache:ConnectionString", server.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        // Timed by polling alone: WaitForStatusAsync also waits for the log output (up to 2 s), which is no part
        // of how soon /health changes.
        await server.KillAsync();
        var stopped = await factory.PollHealthUntilAsync((status, body) => status == HttpStatusCode.ServiceUnavailable && body == "Unhealthy", Interval + Deadline + Slack);
        Assert.True(stopped.Status == HttpStatusCode.ServiceUnavailable, $"/health still answered {stopped.Status} {stopped.Elapsed} after redis was killed");
        var reason = CollectingSink.Scalar(await factory.WaitForProbeAsync("redis:cache", "Unhealthy"), "Reason")!;
        Assert.StartsWith($"127.0.0.1:{server.Port}: ", reason, StringComparison.Ordinal);
        Assert.True(reason.EndsWith("connection refused", StringComparison.Ordinal)
            || reason.EndsWith("connection closed", StringComparison.Ordinal)
            || reason.EndsWith("connection reset", StringComparison.Ordinal), reason);

        await server.StartAgainAsync();
        var restarted = await factory.PollHealthUntilAsync((status, body) => status == HttpStatusCode.OK && body == "OK", Interval + Deadline + Slack);
        Assert.True(restarted.Status == HttpStatusCode.OK, $"/health still answered {restarted.Status} {restarted.Elapsed} after redis restarted");
        Assert.InRange(await server.ClientsNamedAsync("HealthService"), 1, 2);
    }

    [Fact]
    public async Task A_frozen_redis_gives_503_at_the_deadline_while_health_answers_in_milliseconds_and_connections_stay_bounded()
    {
        // A 3 s deadline, so that an answer that waited for the probe (up to 3 s) stands apart from a stall of a
        // loaded machine (740 ms seen): "none near the deadline" is then a bound such a stall keeps.
        var interval = TimeSpan.FromSeconds(4);
        var deadline = TimeSpan.FromSeconds(3);
        await using var server = await RedisServer.StartAsync(Ct);
        await using var factory = Factory()
            .With("Health:Interval", "00:00:04")
            .With("Health:Timeout", "00:00:03")
            .With("Health:Redis:cache:ConnectionString", server.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        server.Freeze();
        var poll = await factory.PollHealthUntilAsync((status, _) => status != HttpStatusCode.OK, TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, poll.Status);
        Assert.InRange(poll.Elapsed, deadline * 0.9, interval + deadline + Slack);
        // No answer waits for the probe: most are fast, and none comes near the probe's deadline.
        Assert.True(poll.P95 < TimeSpan.FromMilliseconds(100) && poll.Slowest < deadline / 2, $"/health answers: p95 {poll.P95.TotalMilliseconds} ms, slowest {poll.Slowest.TotalMilliseconds} ms");
        var change = await factory.WaitForProbeAsync("redis:cache", "Unhealthy");
        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);

        // Frozen for two more rounds: whatever the client tried meanwhile, the server is left with at most 2 connections.
        await Task.Delay(interval * 2, Ct);
        server.Thaw();
        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct); // the server reads the closes it was sent while frozen
        Assert.InRange(await server.ClientsNamedAsync("HealthService"), 1, RedisProbeLimits.MaxConnections);
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_is_given_up_at_the_deadline_and_never_gets_more_than_2_connections()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var factory = Factory().With("Health:Redis:cache:ConnectionString", $"127.0.0.1:{port},password=secret-4d2c,connectTimeout=600000,syncTimeout=600000,asyncTimeout=600000");
        var unhealthy = factory.WaitForProbeAsync("redis:cache", "Unhealthy");

        using var first = await listener.AcceptSocketAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var accepted = Stopwatch.StartNew();
        var closed = await WaitUntilClosedAsync(first, TimeSpan.FromSeconds(10));
        var open = accepted.Elapsed;

        Assert.True(closed, "the probe's connection attempt was still open 10 s after the server accepted it");
        Assert.True(open <= Deadline + TimeSpan.FromSeconds(1), $"the connection attempt outlived the {Deadline.TotalSeconds} s deadline: closed after {open}");
        Assert.Contains("timed out", CollectingSink.Scalar(await unhealthy, "Reason"), StringComparison.Ordinal);

        // Three more rounds: the client keeps trying, one connection at a time.
        var held = new List<Socket>();
        var observed = Stopwatch.StartNew();
        var maxOpen = 0;
        while (observed.Elapsed < Interval * 3)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            wait.CancelAfter(TimeSpan.FromMilliseconds(100));
            try
            {
                held.Add(await listener.AcceptSocketAsync(wait.Token));
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
            }

            held.RemoveAll(socket => IsClosed(socket));
            maxOpen = Math.Max(maxOpen, held.Count);
        }

        held.ForEach(socket => socket.Dispose());
        Assert.InRange(maxOpen, 0, RedisProbeLimits.MaxConnections);
    }

    [Fact]
    public async Task A_connection_that_completes_after_the_host_stopped_is_closed_not_kept()
    {
        await using var server = await RedisServer.StartAsync(Ct);
        server.Freeze(); // the kernel accepts the probe's connection; the handshake waits for the thaw
        // A long deadline (connect timeout 10 s, half of it) so the connect is still in flight when the host has
        // stopped, even on a loaded machine.
        var factory = Factory()
            .With("Health:Interval", "00:00:30")
            .With("Health:Timeout", "00:00:20")
            .With("Health:DrainDelay", "00:00:00")
            .With("Health:Redis:cache:ConnectionString", server.ConnectionString());
        await using (factory)
        {
            _ = factory.Server; // starts the host; the first round connects at once
            var waited = Stopwatch.StartNew();
            while (EstablishedConnectionsTo(server.Port) == 0)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(4), "the probe did not connect to redis within 4 s of the start");
                await Task.Delay(20, Ct);
            }
        }

        server.Thaw(); // the connect now succeeds, after the host has stopped
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);

        Assert.Equal(0, await server.ClientsNamedAsync("HealthService"));
        Assert.Equal(0, EstablishedConnectionsTo(server.Port));
    }

    [Fact]
    public async Task A_wrong_password_gives_503_with_an_authentication_category_and_appears_nowhere()
    {
        const string wrong = "wrong-password-7c1e";
        await using var server = await RedisServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Redis:cache:ConnectionString", server.ConnectionString(password: wrong));

        var response = await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("redis:cache", "Unhealthy");

        Assert.Equal($"127.0.0.1:{server.Port}: authentication failed", CollectingSink.Scalar(change, "Reason"));
        var everything = factory.AllLogText() + await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(wrong, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Logs.Events, e => e.Exception is not null);
    }

    [Fact]
    public async Task Nothing_listening_gives_503_with_connection_refused()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var factory = Factory().With("Health:Redis:cache:ConnectionString", $"127.0.0.1:{port},password=secret-4d2c");

        await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("redis:cache", "Unhealthy");

        // StackExchange.Redis's first connect does not end early on a refusal: within a short deadline the first
        // result can be the deadline's; either way it names the target and no secret.
        var reason = CollectingSink.Scalar(change, "Reason")!;
        Assert.True(reason == $"127.0.0.1:{port}: connection refused" || reason.StartsWith("timed out", StringComparison.Ordinal)
            || reason.StartsWith($"127.0.0.1:{port}: timed out", StringComparison.Ordinal), reason);
        Assert.DoesNotContain("secret-4d2c", factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_critical_redis_that_is_down_keeps_health_at_200()
    {
        await using var server = await RedisServer.StartAsync(Ct);
        await using var factory = Factory()
            .With("Health:Redis:sessions:ConnectionString", server.ConnectionString())
            .With("Health:Redis:sessions:Critical", "false");
        await factory.WaitForProbeAsync("redis:sessions", "Healthy");

        await server.KillAsync();
        await factory.WaitForProbeAsync("redis:sessions", "Unhealthy", Interval + Deadline + Slack);

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("Health:Redis:cache:Critical=true", "Health:Redis:cache:ConnectionString is required")]
    [InlineData("Health:Redis:cache:ConnectionString=cache:6379,password=hunter2,ssl=maybe", "Health:Redis:cache:ConnectionString is not a valid StackExchange.Redis configuration string")]
    [InlineData("Health:Redis:cache:ConnectionString=cache:6379,pasword=hunter2", "Health:Redis:cache:ConnectionString is not a valid StackExchange.Redis configuration string")]
    [InlineData("Health:Redis:cache:ConnectionString=password=hunter2", "Health:Redis:cache:ConnectionString names no host:port")]
    [InlineData("Health:Redis:cache:ConnectionString=cache:6379|Health:Redis:cache:Timeout=00:00:06", "Health:Redis:cache:Timeout must be greater than zero and no longer than Health:Interval")]
    [InlineData("Health:Redis:cache:ConnectionString=cache:6379|Health:Redis:cache:Database=0", "Health:Redis:cache:Database is not a known setting")]
    public void Bad_redis_settings_are_refused_naming_the_key_without_the_password(string settings, string expected)
    {
        var error = ConfigurationGuard.FindError(new ConfigurationBuilder().AddInMemoryCollection(settings.Split('|')
            .Select(setting => setting.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1]))).Build());

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_of_a_redis_connection_string_is_a_configured_secret()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Health:Redis:cache:ConnectionString"] = "cache.example.internal:6380,ssl=true,password=r3dis-s3cret,abortConnect=false",
        }).Build();
        var options = configuration.GetSection(HealthServiceOptions.SectionName).Get<HealthServiceOptions>(ConfigurationGuard.Binding)!;

        var redactor = new SecretRedactor(options, configuration);

        Assert.Equal("failed: *** (***)", redactor.Redact("failed: r3dis-s3cret (r3dis-s3cret)"));
    }

    [Fact]
    public async Task The_service_process_probes_redis_with_at_most_2_connections_under_a_health_flood()
    {
        await using var server = await RedisServer.StartAsync(Ct);
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.800",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Redis__cache__ConnectionString"] = server.ConnectionString(),
        });
        var url = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(url, 200, TimeSpan.FromSeconds(30));

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var elapsed = Stopwatch.StartNew();
        var served = 0;
        var failed = 0;
        var maxConnections = 0;
        var workers = Enumerable.Range(0, 100).Select(async _ =>
        {
            for (var i = 0; i < 10_000 && elapsed.Elapsed < TimeSpan.FromSeconds(4); i++)
            {
                using var response = await client.GetAsync(url, Ct);
                Interlocked.Increment(ref response.StatusCode == HttpStatusCode.OK ? ref served : ref failed);
            }
        }).ToList();
        var sampler = Task.Run(async () =>
        {
            while (elapsed.Elapsed < TimeSpan.FromSeconds(4))
            {
                maxConnections = Math.Max(maxConnections, await server.ClientsNamedAsync("HealthService"));
                await Task.Delay(200, Ct);
            }
        }, Ct);
        await Task.WhenAll(workers);
        await sampler;

        Assert.True(served > 2000, $"only {served} requests served");
        Assert.Equal(0, failed);
        Assert.InRange(maxConnections, 1, RedisProbeLimits.MaxConnections);
        Assert.DoesNotContain(server.Password, string.Join('\n', service.StandardOutput.Concat(service.StandardError)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_process_answers_503_within_the_bound_when_redis_is_frozen_or_killed_and_200_after_it_is_back()
    {
        // A 3 s deadline, so that an answer that waited for the probe (up to 3 s) stands apart from a stall of a
        // loaded machine (740 ms seen).
        var interval = TimeSpan.FromSeconds(4);
        var deadline = TimeSpan.FromSeconds(3);
        await using var server = await RedisServer.StartAsync(Ct);
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:04",
            ["Health__Timeout"] = "00:00:03",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Redis__cache__ConnectionString"] = server.ConnectionString(),
        });
        var url = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(url, 200, TimeSpan.FromSeconds(30));
        var bound = interval + deadline + Slack;

        server.Freeze();
        var frozen = Stopwatch.StartNew();
        await service.WaitForStatusAsync(url, 503, bound);
        Assert.True(frozen.Elapsed <= bound, $"503 after {frozen.Elapsed}");
        using (var client = new HttpClient())
        {
            // No answer waits for the probe: polled for a whole interval (so across the start of a round that hangs),
            // most answers are fast and none comes near the deadline.
            var answers = new List<TimeSpan>();
            var polled = Stopwatch.StartNew();
            while (polled.Elapsed < interval)
            {
                var answered = Stopwatch.StartNew();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(url, Ct)).StatusCode);
                answers.Add(answered.Elapsed);
                await Task.Delay(20, Ct);
            }

            var sorted = answers.Order().ToList();
            var median = sorted[sorted.Count / 2];
            Assert.True(median < TimeSpan.FromMilliseconds(250) && sorted[^1] < deadline / 2,
                $"/health answers while redis was frozen: median {median.TotalMilliseconds:0} ms, slowest {sorted[^1].TotalMilliseconds:0} ms of {sorted.Count}");
        }

        server.Thaw();
        await service.WaitForStatusAsync(url, 200, bound);

        await server.KillAsync();
        await service.WaitForStatusAsync(url, 503, bound);
        await server.StartAgainAsync();
        await service.WaitForStatusAsync(url, 200, bound);
        Assert.InRange(await server.ClientsNamedAsync("HealthService"), 1, RedisProbeLimits.MaxConnections);
        Assert.DoesNotContain(server.Password, string.Join('\n', service.StandardOutput.Concat(service.StandardError)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unparseable_redis_connection_string_stops_the_service_with_exit_78_naming_the_key_without_the_password()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}",
            ["Health__Redis__cache__ConnectionString"] = "cache:6379,password=hunter2-9f,ssl=perhaps",
        });

        Assert.Equal(78, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(service.StandardError);
        Assert.Contains("Health:Redis:cache:ConnectionString", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-9f", line, StringComparison.Ordinal);
    }

    /// <summary>The established connections to <paramref name="port"/> on 127.0.0.1, from any client on this machine (/proc/net/tcp).</summary>
    private static int EstablishedConnectionsTo(int port)
    {
        var remote = $"0100007F:{port:X4}";
        return File.ReadLines("/proc/self/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields[2] == remote && fields[3] == "01");
    }

    private static bool IsClosed(Socket socket)
    {
        try
        {
            // What the client sent (its handshake) is read first: a close is seen only behind it.
            var buffer = new byte[4096];
            while (socket.Available > 0)
            {
                socket.Receive(buffer);
            }

            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Reads (and drops) what the client sends until it closes or resets the connection, or the limit passes.</summary>
    private static async Task<bool> WaitUntilClosedAsync(Socket socket, TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(limit);
        var buffer = new byte[4096];
        try
        {
            for (var reads = 0; reads < 1000; reads++)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                {
                    return true;
                }
            }

            return false;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static class RedisProbeLimits
    {
        public const int MaxConnections = HealthService.Probes.Redis.RedisConnection.MaxConnectionsPerServer;
    }
}
