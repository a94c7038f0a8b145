using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Cli;

/// <summary>
/// Who can read the detailed view, and from where, against the real process: never by source address on the public
/// port, the local listener for operators on the machine, the key for everyone else.
/// </summary>
public sealed class DetailsCommandTests
{
    private const string ApiKey = "k3y-for-the-detailed-view-0123456789";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<(ServiceProcess Service, Dictionary<string, string?> Environment, int Port, int LocalPort)> StartAsync(bool withKey)
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = Text(localPort),
            ["Health__Details__ApiKey"] = withKey ? ApiKey : null,
        };
        var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);
        return (service, environment, port, localPort);
    }

    private static async Task<(int Exit, IReadOnlyList<string> Output, IReadOnlyList<string> Error)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        await using var command = ServiceProcess.Start(environment, ["details", .. args]);
        var exit = await command.WaitForExitAsync(TimeSpan.FromSeconds(20));
        return (exit, command.StandardOutput, command.StandardError);
    }

    [Fact]
    public async Task Through_a_relay_on_loopback_the_view_answers_404_without_the_key_and_200_with_it()
    {
        var (service, _, port, _) = await StartAsync(withKey: true);
        await using (service)
        await using (var relay = new TcpRelay(port))
        {
            using var client = new HttpClient();

            // A sidecar proxy makes every remote caller arrive from 127.0.0.1: that must not be a way in.
            var relayed = await client.GetAsync($"http://127.0.0.1:{relay.Port}/health/details", Ct);
            var direct = await client.GetAsync($"http://127.0.0.1:{port}/health/details", Ct);
            Assert.Equal(HttpStatusCode.NotFound, relayed.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);

            using var keyed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{relay.Port}/health/details");
            keyed.Headers.Add("X-Health-Key", ApiKey);
            var admitted = await client.SendAsync(keyed, Ct);
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }
    }

    [Fact]
    public async Task The_details_command_prints_the_view_from_the_local_listener_without_a_key()
    {
        var (service, environment, port, localPort) = await StartAsync(withKey: false);
        await using (service)
        {
            var (exit, output, error) = await RunAsync(environment);

            Assert.True(exit == 0, $"exit {exit}: {string.Join('\n', error)}");
            using var view = JsonDocument.Parse(string.Join('\n', output));
            Assert.Equal("OK", view.RootElement.GetProperty("readiness").GetString());
            Assert.True(view.RootElement.TryGetProperty("entries", out _));

            // The local listener is bound to loopback only, and it serves nothing a load balancer should see there.
            using var client = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{localPort}/health/details", Ct)).StatusCode);
            var listening = await File.ReadAllTextAsync("/proc/net/tcp", Ct);
            Assert.Contains($"0100007F:{localPort:X4}", listening, StringComparison.Ordinal);
            Assert.DoesNotContain($"00000000:{localPort:X4}", listening, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"http://127.0.0.1:{port}/health/details", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task With_a_url_the_details_command_sends_the_configured_key()
    {
        var (service, environment, port, _) = await StartAsync(withKey: true);
        await using (service)
        {
            var (exit, output, _) = await RunAsync(environment, "--url", $"http://127.0.0.1:{port}/health/details");

            Assert.Equal(0, exit);
            Assert.Contains("\"readiness\"", string.Join('\n', output), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_details_command_exits_1_when_the_service_refuses_or_is_unreachable()
    {
        var (service, environment, port, _) = await StartAsync(withKey: false);
        await using (service)
        {
            var refused = await RunAsync(environment, "--url", $"http://127.0.0.1:{port}/health/details");
            Assert.Equal(1, refused.Exit);
            Assert.Contains("refused the view (404)", string.Join('\n', refused.Error), StringComparison.Ordinal);
            Assert.Empty(refused.Output);
        }

        var unreachable = await RunAsync(environment);
        Assert.Equal(1, unreachable.Exit);
        Assert.Contains("unreachable: ConnectionRefused", string.Join('\n', unreachable.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false", "--timeout", "5s", "the operator endpoints are off")]
    [InlineData("true", "--url", "not a url", "--url needs an absolute http(s) URL")]
    [InlineData("true", "--bogus", "1", "unknown argument '--bogus'")]
    [InlineData("true", "--timeout", "0s", "--timeout needs a duration above zero")]
    public async Task Bad_arguments_or_a_view_that_is_off_exit_2_with_the_reason(string enabled, string option, string value, string expected)
    {
        var (exit, output, error) = await RunAsync(new Dictionary<string, string?> { ["Health__Details__Enabled"] = enabled }, option, value);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains(expected, string.Join('\n', error), StringComparison.Ordinal);
    }
}
