using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Operators;

/// <summary>
/// Maintenance mode against the real process, through the same binary's command: keyless on the local listener,
/// elsewhere with the maintenance key.
/// </summary>
public sealed class MaintenanceTests
{
    private const string ApiKey = "k3y-for-the-detailed-view-0123456789";
    private const string MaintenanceKey = "k3y-for-maintenance-writes-9876543210";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, string Output, string Error)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        await using var command = ServiceProcess.Start(environment, ["maintenance", .. args]);
        var exit = await command.WaitForExitAsync(TimeSpan.FromSeconds(20));
        return (exit, string.Join('\n', command.StandardOutput), string.Join('\n', command.StandardError));
    }

    [Fact]
    public async Task Maintenance_on_takes_the_instance_out_logs_who_and_why_and_ends_at_its_ttl_or_when_turned_off()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = ServiceProcess.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
            ["Health__Details__ApiKey"] = ApiKey,
            ["Health__Maintenance__ApiKey"] = MaintenanceKey,
        };
        await using var service = ServiceProcess.Start(environment);
        var health = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(30));
        using var client = new HttpClient();

        var on = await RunAsync(environment, "on", "--reason", "db migration step 3", "--ttl", "4s");
        Assert.True(on.Exit == 0, on.Error);
        using (var state = JsonDocument.Parse(on.Output))
        {
            Assert.True(state.RootElement.GetProperty("maintenance").GetBoolean());
            Assert.Equal("db migration step 3", state.RootElement.GetProperty("reason").GetString());
            Assert.Equal("local", state.RootElement.GetProperty("by").GetString());
        }

        var response = await client.GetAsync(health, Ct);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Maintenance"), (response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
        Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 4);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{port}/health/live", Ct)).StatusCode);
        var started = await service.WaitForOutputAsync("\"MaintenanceStarted\"", TimeSpan.FromSeconds(5));
        Assert.Contains("\"By\":\"local\"", started, StringComparison.Ordinal);
        Assert.Contains("\"Reason\":\"db migration step 3\"", started, StringComparison.Ordinal);
        Assert.Contains("\"Ttl\":\"00:00:04\"", started, StringComparison.Ordinal);

        var status = await RunAsync(environment, "status");
        Assert.Equal(0, status.Exit);
        Assert.Contains("\"maintenance\":true", status.Output, StringComparison.Ordinal);

        // It ends by itself when its time-to-live runs out.
        await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(10));
        await service.WaitForOutputAsync("\"How\":\"expired\"", TimeSpan.FromSeconds(5));

        // Remotely, the details key only reads: the command says which key a write needs.
        var url = $"http://127.0.0.1:{port}/health/maintenance";
        var readOnly = new Dictionary<string, string?>(environment) { ["Health__Details__Enabled"] = "false", ["Health__Maintenance__ApiKey"] = null };
        var refused = await RunAsync(readOnly, "on", "--url", url, "--reason", "dashboard");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("403", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Health:Maintenance:ApiKey", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, refused.Error, StringComparison.Ordinal);
        var read = await RunAsync(readOnly, "status", "--url", url);
        Assert.True(read.Exit == 0, read.Error);
        Assert.Contains("\"maintenance\":false", read.Output, StringComparison.Ordinal);

        // With the maintenance key, and off again before its end.
        var remote = new Dictionary<string, string?>(environment) { ["Health__Details__Enabled"] = "false" };
        var keyed = await RunAsync(remote, "on", "--url", url, "--reason", "debugging");
        Assert.True(keyed.Exit == 0, keyed.Error);
        Assert.Contains("\"by\":\"maintenance key\"", keyed.Output, StringComparison.Ordinal);
        await service.WaitForStatusAsync(health, 503, TimeSpan.FromSeconds(5));
        var off = await RunAsync(environment, "off");
        Assert.Equal(0, off.Exit);
        Assert.Contains("\"maintenance\":false", off.Output, StringComparison.Ordinal);
        await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Without_the_key_on_the_public_port_maintenance_answers_as_an_unknown_path()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = ServiceProcess.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));
        await using var relay = new TcpRelay(port);
        using var client = new HttpClient();

        using var put = new HttpRequestMessage(HttpMethod.Put, $"http://127.0.0.1:{relay.Port}/health/maintenance") { Content = new StringContent("{\"ttl\":\"1h\"}") };
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(put, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{port}/health", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("on --ttl 0s", "--ttl needs a duration from 1 second to 24 hours")]
    [InlineData("on --ttl 25h", "--ttl needs a duration from 1 second to 24 hours")]
    [InlineData("on --ttl soon", "--ttl needs a duration from 1 second to 24 hours")]
    [InlineData("pause", "unknown action 'pause'")]
    [InlineData("off --reason x", "unknown argument '--reason'")]
    public async Task Bad_arguments_exit_2_with_the_reason(string args, string expected)
    {
        var (exit, output, error) = await RunAsync(new Dictionary<string, string?> { ["Health__Details__Enabled"] = "true" }, args.Split(' '));

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
