using System.Globalization;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Cli;

/// <summary>
/// <c>HealthService history</c> against the real process, after a real dependency's outage and recovery: the
/// transitions as a table for a terminal without a browser, or the JSON.
/// </summary>
public sealed class HistoryCommandTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, IReadOnlyList<string> Output, IReadOnlyList<string> Error)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        await using var command = ServiceProcess.Start(environment, ["history", .. args]);
        var exit = await command.WaitForExitAsync(TimeSpan.FromSeconds(20));
        return (exit, command.StandardOutput, command.StandardError);
    }

    [Fact]
    public async Task After_an_outage_and_its_recovery_the_history_command_prints_each_transition_with_its_reason()
    {
        await using var dependency = StubHttpServer.Start();
        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.800",
            ["Health__MaxAge"] = "00:00:30", // a round late on a loaded machine must not add a Stale transition
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(CultureInfo.InvariantCulture),
            ["Health__Http__payments__Url"] = dependency.Url().ToString(),
            ["Health__Http__payments__Critical"] = "true",
        };
        await using var service = ServiceProcess.Start(environment);
        var health = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(health, 200, StartTimeout);
        dependency.Behavior = StubBehavior.Status(500, "down");
        await service.WaitForStatusAsync(health, 503, StartTimeout);
        dependency.Behavior = StubBehavior.Status(200, "OK");
        await service.WaitForStatusAsync(health, 200, StartTimeout);

        var (exit, output, error) = await RunAsync(environment);

        Assert.True(exit == 0, $"exit {exit}: {string.Join('\n', error)}");
        Assert.StartsWith("OK since ", output[0], StringComparison.Ordinal);
        Assert.Equal("", output[1]);
        Assert.Matches(@"^AT \(UTC\) +FROM +TO +REASON$", output[2]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  Starting   OK         every critical probe passes$", output[3]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  OK         Unhealthy  http:payments: GET http://127\.0\.0\.1:\d+: unexpected status 500$", output[4]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  Unhealthy  OK         every critical probe passes$", output[5]);
        Assert.Equal(6, output.Count);

        var json = await RunAsync(environment, "--format", "json");
        Assert.Equal(0, json.Exit);
        using var history = JsonDocument.Parse(string.Join('\n', json.Output));
        Assert.Equal(3, history.RootElement.GetProperty("readiness").GetArrayLength());
        Assert.Contains(history.RootElement.GetProperty("probes").GetProperty("http:payments").EnumerateArray(),
            result => result.GetProperty("status").GetString() == "Unhealthy");
    }

    [Fact]
    public async Task The_history_command_exits_1_when_the_service_is_unreachable_and_2_on_bad_arguments()
    {
        var localPort = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(CultureInfo.InvariantCulture),
        };

        var unreachable = await RunAsync(environment);
        Assert.Equal(1, unreachable.Exit);
        Assert.Contains("history: unreachable: ConnectionRefused", string.Join('\n', unreachable.Error), StringComparison.Ordinal);

        var badFormat = await RunAsync(environment, "--format", "yaml");
        Assert.Equal(2, badFormat.Exit);
        Assert.Contains("--format needs table or json (was 'yaml')", string.Join('\n', badFormat.Error), StringComparison.Ordinal);
        Assert.Empty(badFormat.Output);

        var off = await RunAsync(new Dictionary<string, string?> { ["Health__Details__Enabled"] = "false" });
        Assert.Equal(2, off.Exit);
        Assert.Contains("the operator endpoints are off", string.Join('\n', off.Error), StringComparison.Ordinal);
    }
}
