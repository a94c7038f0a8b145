using System.Diagnostics;
using System.Net;
using HealthService.Tests.Infrastructure;

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
