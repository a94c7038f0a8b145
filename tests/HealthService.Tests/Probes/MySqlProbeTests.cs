using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HealthService.Probes.MySql;
using HealthService.Tests.Infrastructure;
using MySqlConnector;

namespace HealthService.Tests.Probes;

/// <summary>MySQL probes against a real MariaDB server started for each test, and its faults.</summary>
public sealed class MySqlProbeTests
{
    // Rounds every 2 s with a 1 s deadline, as the PostgreSQL probe's tests.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory() => new HealthServiceFactory()
        .With("Health:Interval", "00:00:02")
        .With("Health:Timeout", "00:00:01");

    [Fact]
    public async Task Health_returns_200_when_mariadb_is_up_and_its_password_appears_nowhere()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", server.ConnectionString());

        var response = await factory.WaitForStatusAsync(200, "OK");
        var change = await factory.WaitForProbeAsync("mysql:main", "Healthy");

        Assert.Equal($"127.0.0.1:{server.Port}/app answered", CollectingSink.Scalar(change, "Reason"));
        Assert.DoesNotContain(server.Password, factory.AllLogText(), StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_returns_503_when_mariadb_is_killed_and_200_again_after_it_restarts()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", server.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        await server.KillAsync();
        var stopped = Stopwatch.StartNew();
        await factory.WaitForStatusAsync(503, "Unhealthy", Interval + Deadline + Slack);
        Assert.True(stopped.Elapsed <= Interval + Deadline + Slack, $"503 after {stopped.Elapsed}");
        var change = await factory.WaitForProbeAsync("mysql:main", "Unhealthy");
        var reason = CollectingSink.Scalar(change, "Reason")!;
        Assert.True(reason.EndsWith("connection refused", StringComparison.Ordinal)
            || reason.EndsWith("connection closed", StringComparison.Ordinal)
            || reason.EndsWith("connection reset", StringComparison.Ordinal), reason);

        await server.StartAgainAsync();
        var restarted = Stopwatch.StartNew();
        await factory.WaitForStatusAsync(200, "OK", Interval + Deadline + Slack);
        Assert.True(restarted.Elapsed <= Interval + Deadline + Slack, $"200 after {restarted.Elapsed}");
    }

    [Fact]
    public async Task A_frozen_mariadb_gives_503_at_the_deadline_while_health_answers_in_milliseconds()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", server.ConnectionString());
        await factory.WaitForStatusAsync(200, "OK");

        server.Freeze();
        // Four rounds against the frozen server, each failing at its deadline.
        var answers = await HealthAnswers.PollAsync(factory.CreateClient(), "/health", 4 * Interval);

        TestContext.Current.TestOutputHelper?.WriteLine($"/health while frozen: {answers.Summary()}");
        var unhealthy = answers.FirstOrDefault(a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.True(unhealthy is not null, $"no 503 while the server was frozen: {answers.Summary()}");
        Assert.InRange(unhealthy.AskedAt + unhealthy.Took, Deadline * 0.9, Interval + Deadline + Slack);
        // No answer waits for the probe: most are fast, and answers slow enough to have waited for a round (half the
        // deadline or more) are not one per round, which waiting would give, but at most the odd stall of a loaded
        // machine (one of 740 ms has been seen).
        Assert.True(answers.Percentile(0.95) < TimeSpan.FromMilliseconds(100), $"/health answers: {answers.Summary()}");
        Assert.True(answers.Count(a => a.Took >= Deadline / 2) <= 2, $"/health answers: {answers.Summary()}");
        var change = await factory.WaitForProbeAsync("mysql:main", "Unhealthy");
        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);

        server.Thaw();
        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(10));
        Assert.InRange(await server.ProbeConnectionsAsync(), 0, 2);
    }

    [Theory]
    // The pool kept full (its minimum raised to the cap), so that any connection beyond it shows.
    [InlineData("Minimum Pool Size=2")] // a pooled connection is reset before reuse: the reset is what hangs
    [InlineData("Minimum Pool Size=2;Connection Reset=false")] // reused without a round trip: the query is what hangs
    public async Task A_frozen_mariadb_never_sees_more_than_two_connections_from_the_probe_not_even_one_to_kill_a_query(string settings)
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var relay = new TcpRelay(server.Port);
        var connectionString = new MySqlConnectionStringBuilder($"{server.ConnectionString()};{settings}") { Port = (uint)relay.Port }.ConnectionString;
        // A 1.2 s deadline makes MySqlConnector's command timeout 2 s: a query the deadline abandons keeps its
        // connection 0.8 s longer, beside anything opened at the deadline to kill it.
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:01.200")
            .With("Health:Timeout", "00:00:01.200")
            .With("Health:MySql:main:ConnectionString", connectionString);
        await factory.WaitForStatusAsync(200, "OK");

        server.Freeze();
        try
        {
            await factory.WaitForStatusAsync(503, "Unhealthy", TimeSpan.FromSeconds(10));
            await Task.Delay(TimeSpan.FromSeconds(5), Ct); // four more rounds against the frozen server
        }
        finally
        {
            server.Thaw();
        }

        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(10));
        var seen = $"at most {relay.MaxOpen} connections open at once, {relay.Accepted} accepted (seconds, +open/-left: {relay.Timeline})";
        TestContext.Current.TestOutputHelper?.WriteLine(seen);
        Assert.True(relay.MaxOpen <= MySqlProbeExtensions.MaxConnectionsPerDatabase, $"more than the pool's cap reached the server: {seen}");
        Assert.True(relay.MaxOpen == MySqlProbeExtensions.MaxConnectionsPerDatabase, $"the pool was never full, so a connection beyond it could not show: {seen}");
    }

    [Theory]
    [InlineData("Connection Timeout=0;Default Command Timeout=0")] // MySqlConnector's 0 means wait forever
    [InlineData("Connection Timeout=600;Default Command Timeout=600")]
    public async Task A_server_that_accepts_but_never_answers_is_given_up_at_the_deadline_whatever_the_connection_string_says(string timeouts)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", $"Server=127.0.0.1;Port={port};User ID=app;Password=secret;{timeouts}");
        var unhealthy = factory.WaitForProbeAsync("mysql:main", "Unhealthy");

        using var connection = await listener.AcceptSocketAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var accepted = Stopwatch.StartNew();
        var closed = await WaitUntilClosedAsync(connection, TimeSpan.FromSeconds(10));
        var open = accepted.Elapsed;

        Assert.True(closed, "the probe's connection attempt was still open 10 s after the server accepted it");
        Assert.True(open <= Deadline + TimeSpan.FromSeconds(1), $"the connection attempt outlived the {Deadline.TotalSeconds} s deadline: closed after {open}");
        Assert.Contains("timed out", CollectingSink.Scalar(await unhealthy, "Reason"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connection Timeout=0;Default Command Timeout=0", "00:00:01.500", 2u, 2u)] // rounded up to whole seconds
    [InlineData("Connection Timeout=600;Default Command Timeout=3", "00:00:01.500", 2u, 2u)]
    [InlineData("Connection Timeout=1;Default Command Timeout=1", "00:00:01.500", 1u, 1u)] // shorter ones are kept
    [InlineData("Maximum Pool Size=100", "00:00:00.200", 1u, 1u)] // MySqlConnector's defaults (15 s, 30 s); at least 1 s
    public void The_pool_holds_at_most_two_connections_and_timeouts_never_exceed_the_probe_deadline(string settings, string deadline, uint connect, uint command)
    {
        var bounded = new MySqlConnectionStringBuilder(MySqlProbeExtensions.BoundedConnectionString(
            $"Server=127.0.0.1;User ID=app;Password=secret;{settings}", TimeSpan.Parse(deadline, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(connect, bounded.ConnectionTimeout);
        Assert.Equal(command, bounded.DefaultCommandTimeout);
        Assert.Equal(2u, bounded.MaximumPoolSize);
        Assert.Equal(-1, bounded.CancellationTimeout); // a timed-out query is not killed from a third connection
    }

    /// <summary>Reads (and drops) what the client sends until it closes or resets the connection, or the limit passes.</summary>
    private static async Task<bool> WaitUntilClosedAsync(Socket socket, TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(limit);
        var buffer = new byte[4096];
        try
        {
            // A MySQL client waits for the server's greeting and sends nothing: a read ends only when it closes.
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
    public async Task A_connection_string_that_does_not_parse_stops_a_host_app_naming_the_key_and_showing_no_part_of_it()
    {
        // An unquoted ';' inside the password: MySqlConnector reads "hunter2" as an unknown keyword and says so.
        var error = await StartFailure.OfAsync((_, _) => { }, new Dictionary<string, string?>
        {
            ["Health:MySql:main:ConnectionString"] = "Server=db;Password=pa;hunter2=ss",
        });

        Assert.Contains("Health:MySql:main:ConnectionString is not a valid connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_gives_503_with_an_authentication_category_and_appears_nowhere()
    {
        const string wrong = "wrong-password-3f9a";
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", server.ConnectionString(password: wrong));

        var response = await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("mysql:main", "Unhealthy");

        Assert.Equal($"127.0.0.1:{server.Port}/app: authentication failed (MySQL error 1045)", CollectingSink.Scalar(change, "Reason"));
        var everything = factory.AllLogText() + await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(wrong, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Logs.Events, e => e.Exception is not null);
    }

    [Fact]
    public async Task Nothing_listening_gives_503_connection_refused()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", $"Server=127.0.0.1;Port={port};User ID=app;Password=secret;Database=orders");

        await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("mysql:main", "Unhealthy");

        Assert.Equal($"127.0.0.1:{port}/orders: connection refused", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_database_the_user_has_no_grant_on_gives_503_saying_so()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var factory = Factory().With("Health:MySql:main:ConnectionString", server.ConnectionString(database: "no_such_db"));

        await factory.WaitForStatusAsync(503, "Unhealthy");
        var change = await factory.WaitForProbeAsync("mysql:main", "Unhealthy");

        // MySQL and MariaDB answer a database that does not exist, for a user without global grants, as one it may not use.
        Assert.Equal($"127.0.0.1:{server.Port}/no_such_db: database access denied (MySQL error 1044)", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_non_critical_database_that_is_down_keeps_health_at_200()
    {
        await using var server = await MariaDbServer.StartAsync(Ct);
        await using var factory = Factory()
            .With("Health:MySql:reporting:ConnectionString", server.ConnectionString())
            .With("Health:MySql:reporting:Critical", "false");
        await factory.WaitForProbeAsync("mysql:reporting", "Healthy");

        await server.KillAsync();
        await factory.WaitForProbeAsync("mysql:reporting", "Unhealthy", Interval + Deadline + Slack);

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health", Ct)).StatusCode);
    }
}
