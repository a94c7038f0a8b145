using System.Diagnostics;
using HealthService.Tests.Infrastructure;
using Npgsql;

namespace HealthService.Tests;

/// <summary>The PostgreSQL fixture itself: a real server per test, reachable with its password, freezable, restartable.</summary>
public sealed class PostgresServerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string WithTimeout(string connectionString, int seconds) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Timeout = seconds, Pooling = false }.ConnectionString;

    [Fact]
    public async Task A_started_server_answers_queries_over_loopback_with_its_password()
    {
        await using var server = await PostgresServer.StartAsync(Token);

        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("select host(inet_server_addr()), inet_server_port(), current_user, current_setting('fsync')", connection);
        await using var reader = await command.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));
        Assert.Equal("127.0.0.1", reader.GetString(0));
        Assert.Equal(server.Port, reader.GetInt32(1));
        Assert.Equal("postgres", reader.GetString(2));
        Assert.Equal("off", reader.GetString(3));

        await server.ExecuteAsync("create database app");
        await server.ExecuteAsync("create table marks (id int); insert into marks values (1), (2)", "app");
        Assert.Equal(2, await server.ScalarAsync<int>("select count(*) from marks", "app"));
    }

    [Fact]
    public async Task A_wrong_password_is_refused()
    {
        await using var server = await PostgresServer.StartAsync(Token);

        await using var connection = new NpgsqlConnection(server.ConnectionString(password: "not-" + server.Password));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(Token));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Fact]
    public async Task A_frozen_server_does_not_answer_until_thawed()
    {
        await using var server = await PostgresServer.StartAsync(Token);

        server.Freeze();
        var waited = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(WithTimeout(server.ConnectionString(), 2)))
        {
            var hung = await Assert.ThrowsAsync<NpgsqlException>(() => connection.OpenAsync(Token));
            Assert.IsType<TimeoutException>(hung.InnerException);
        }

        Assert.True(waited.Elapsed >= TimeSpan.FromSeconds(1.5), $"refused after {waited.Elapsed} instead of hanging");

        server.Thaw();
        Assert.Equal(1, await server.ScalarAsync<int>("select 1"));
    }

    [Fact]
    public async Task A_stopped_server_can_be_started_again_on_the_same_port()
    {
        await using var server = await PostgresServer.StartAsync(Token);
        await server.ExecuteAsync("create table marks (id int); insert into marks values (1)");
        var (port, firstPid) = (server.Port, server.PostmasterPid);

        await server.StopAsync();
        await using (var connection = new NpgsqlConnection(WithTimeout(server.ConnectionString(), 2)))
        {
            await Assert.ThrowsAsync<NpgsqlException>(() => connection.OpenAsync(Token));
        }

        await server.StartAgainAsync();
        Assert.Equal(port, server.Port);
        Assert.NotEqual(firstPid, server.PostmasterPid);
        Assert.Equal(1, await server.ScalarAsync<int>("select count(*) from marks"));
    }

    [Fact]
    public async Task Disposing_a_frozen_server_ends_its_processes_and_removes_its_data()
    {
        var server = await PostgresServer.StartAsync(Token);
        var pid = server.PostmasterPid;
        var commandLine = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline", Token)).Split('\0');
        var dataDirectory = commandLine[Array.IndexOf(commandLine, "-D") + 1];
        Assert.True(Directory.Exists(dataDirectory));

        server.Freeze();
        await server.DisposeAsync();

        var stat = File.Exists($"/proc/{pid}/stat") ? await File.ReadAllTextAsync($"/proc/{pid}/stat", Token) : "";
        Assert.True(stat == "" || stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'), $"the postmaster {pid} is still there: {stat}");
        Assert.False(Directory.Exists(dataDirectory));
    }
}
