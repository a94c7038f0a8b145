using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HealthService.Probes.Postgres;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HealthService.Tests.Probes;

/// <summary>PostgreSQL probes against a real PostgreSQL server started for each test, and its faults.</summary>
public sealed class PostgresProbeTests
{
    // Rounds every 2 s with a 1 s deadline: roomy enough for SCRAM authentication on a busy CI machine.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory() => new HealthServiceFactory()
        .With("Health:Interval", "00:00:02")
        .With("Health:Timeout", "00:00:01");

    [Fact]
    public async Task Health_returns_200_when_postgres_is_up_and_its_password_appears_nowhere()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Postgres:main:ConnectionString", server.ConnectionString());

        var response = await factory.WaitForStatusAsync(200, "OK");
        var change = await factory.WaitForProbeAsync("postgres:main", "Healthy");

        Assert.Equal($"127.0.0.1:{server.Port}/postgres answered", CollectingSink.Scalar(change, "Reason"));
        Assert.DoesNotContain(server.Password, factory.AllLogText(), StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_returns_503_when_postgres_stops_and_200_again_after_it_restarts()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Postgres:main:ConnectionString", server.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        await server.StopAsync();
        var stopped = Stopwatch.StartNew();
        await factory.WaitForStatusAsync(503, "Unhealthy", Interval + Deadline + Slack);
        Assert.True(stopped.Elapsed <= Interval + Deadline + Slack, $"503 after {stopped.Elapsed}");
        var change = await factory.WaitForProbeAsync("postgres:main", "Unhealthy");
        var reason = CollectingSink.Scalar(change, "Reason")!;
        Assert.True(reason.EndsWith("connection refused", StringComparison.Ordinal)
            || reason.Contains("shutting down", StringComparison.Ordinal)
            || reason.EndsWith("connection closed", StringComparison.Ordinal), reason);

        await server.StartAgainAsync();
        var restarted = Stopwatch.StartNew();
        await factory.WaitForStatusAsync(200, "OK", Interval + Deadline + Slack);
        Assert.True(restarted.Elapsed <= Interval + Deadline + Slack, $"200 after {restarted.Elapsed}");
    }

    [Fact]
    public async Task A_frozen_postgres_gives_503_at_the_deadline_while_health_answers_in_milliseconds()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Postgres:main:ConnectionString", server.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        server.Freeze();
        var poll = await factory.PollHealthUntilAsync((status, _) => status != HttpStatusCode.OK, TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, poll.Status);
        Assert.InRange(poll.Elapsed, Deadline * 0.9, Interval + Deadline + Slack);
        Assert.True(poll.P95 < TimeSpan.FromMilliseconds(100) && poll.Slowest < TimeSpan.FromSeconds(1), $"/health answers: p95 {poll.P95.TotalMilliseconds} ms, slowest {poll.Slowest.TotalMilliseconds} ms");
        var change = await factory.WaitForProbeAsync("postgres:main", "Unhealthy");
        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);

        server.Thaw();
        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(10));
        var connections = await server.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'HealthService'");
        Assert.InRange(connections, 0, 2);
    }

    [Theory]
    [InlineData("Timeout=0;Command Timeout=0")] // Npgsql's 0 means wait forever
    [InlineData("Timeout=600;Command Timeout=600")]
    public async Task A_server_that_accepts_but_never_answers_is_given_up_at_the_deadline_whatever_the_connection_string_says(string timeouts)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var factory = Factory().With("Health:Postgres:main:ConnectionString", $"Host=127.0.0.1;Port={port};Username=app;Password=secret;{timeouts}");
        var unhealthy = factory.WaitForProbeAsync("postgres:main", "Unhealthy");

        using var connection = await listener.AcceptSocketAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var accepted = Stopwatch.StartNew();
        var closed = await WaitUntilClosedAsync(connection, TimeSpan.FromSeconds(10));
        var open = accepted.Elapsed;

        Assert.True(closed, "the probe's connection attempt was still open 10 s after the server accepted it");
        Assert.True(open <= Deadline + TimeSpan.FromSeconds(1), $"the connection attempt outlived the {Deadline.TotalSeconds} s deadline: closed after {open}");
        Assert.Contains("timed out", CollectingSink.Scalar(await unhealthy, "Reason"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Timeout=0;Command Timeout=0", "00:00:01.500", 2, 2)] // rounded up to whole seconds
    [InlineData("Timeout=600;Command Timeout=3", "00:00:01.500", 2, 2)]
    [InlineData("Timeout=1;Command Timeout=1", "00:00:01.500", 1, 1)] // shorter ones are kept
    [InlineData("", "00:00:00.200", 1, 1)] // Npgsql's defaults (15 s, 30 s); at least 1 s
    public void Npgsql_timeouts_never_exceed_the_probe_deadline(string timeouts, string deadline, int connect, int command)
    {
        var services = new ServiceCollection();
        services.AddHealthChecks().AddPostgresProbe("postgres:main",
            new PostgresProbeOptions { ConnectionString = $"Host=127.0.0.1;Username=app;Password=secret;{timeouts}" },
            TimeSpan.Parse(deadline, System.Globalization.CultureInfo.InvariantCulture));
        using var provider = services.BuildServiceProvider();

        var settings = new NpgsqlConnectionStringBuilder(provider.GetRequiredKeyedService<NpgsqlDataSource>("postgres:main").ConnectionString);

        Assert.Equal(connect, settings.Timeout);
        Assert.Equal(command, settings.CommandTimeout);
    }

    /// <summary>Reads (and drops) what the client sends until it closes or resets the connection, or the limit passes.</summary>
    private static async Task<bool> WaitUntilClosedAsync(Socket socket, TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(limit);
        var buffer = new byte[4096];
        try
        {
            // A startup packet is a few hundred bytes: far fewer reads than this bound.
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
            return true; // reset by the client
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_wrong_password_gives_503_with_an_authentication_category_and_appears_nowhere()
    {
        const string wrong = "wrong-password-3f9a";
        await using var server = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Postgres:main:ConnectionString", server.ConnectionString(password: wrong));

        var response = await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("postgres:main", "Unhealthy");

        Assert.Equal($"127.0.0.1:{server.Port}/postgres: authentication failed (SQLSTATE 28P01)", CollectingSink.Scalar(change, "Reason"));
        var everything = factory.AllLogText() + await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(wrong, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Logs.Events, e => e.Exception is not null);
    }

    [Fact]
    public async Task A_missing_database_gives_503_saying_so()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:Postgres:main:ConnectionString", server.ConnectionString(database: "no_such_db"));

        await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("postgres:main", "Unhealthy");

        Assert.Equal($"127.0.0.1:{server.Port}/no_such_db: database does not exist (SQLSTATE 3D000)", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_non_critical_database_that_is_down_keeps_health_at_200()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory()
            .With("Health:Postgres:reporting:ConnectionString", server.ConnectionString())
            .With("Health:Postgres:reporting:Critical", "false");
        await factory.WaitForProbeAsync("postgres:reporting", "Healthy");

        await server.StopAsync();
        await factory.WaitForProbeAsync("postgres:reporting", "Unhealthy", Interval + Deadline + Slack);

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task With_several_databases_one_down_health_is_503_and_the_log_names_the_failing_one()
    {
        await using var orders = await PostgresServer.StartAsync(Ct);
        await using var billing = await PostgresServer.StartAsync(Ct);
        await using var factory = Factory()
            .With("Health:Postgres:orders:ConnectionString", orders.ConnectionString())
            .With("Health:Postgres:billing:ConnectionString", billing.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        await billing.StopAsync();

        await factory.WaitForStatusAsync(503, "Unhealthy", Interval + Deadline + Slack);
        await factory.WaitForProbeAsync("postgres:billing", "Unhealthy");
        Assert.Equal("Healthy", CollectingSink.Scalar(factory.Logs.WithEventName("ProbeStatusChanged").Last(e => CollectingSink.Scalar(e, "Probe") == "postgres:orders"), "Status"));
        var notReady = factory.Logs.WithEventName("ReadinessChanged")[^1];
        Assert.Equal("postgres:billing", CollectingSink.Scalar(notReady, "FailingProbes"));
    }

    [Fact]
    public async Task A_custom_query_is_what_runs()
    {
        await using var server = await PostgresServer.StartAsync(Ct);
        await server.ExecuteAsync("CREATE TABLE ready (ok boolean)");
        await using var factory = Factory()
            .With("Health:Postgres:main:ConnectionString", server.ConnectionString())
            .With("Health:Postgres:main:Query", "SELECT count(*) FROM ready");
        await factory.WaitForProbeAsync("postgres:main", "Healthy");

        await server.ExecuteAsync("DROP TABLE ready");

        var change = await factory.WaitForProbeAsync("postgres:main", "Unhealthy", Interval + Deadline + Slack);
        Assert.EndsWith("query failed (SQLSTATE 42P01)", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
    }
}
