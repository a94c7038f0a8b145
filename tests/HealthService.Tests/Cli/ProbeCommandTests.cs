using System.Diagnostics;
using HealthService.Cli;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Cli;

public sealed class ProbeCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> ProbeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ProbeCommand.RunAsync(args, output, error);
        return (exit, output.ToString().TrimEnd(), error.ToString());
    }

    [Fact]
    public async Task Exits_0_with_one_line_when_health_answers_200()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(200, "OK"));

        var (exit, output, error) = await ProbeAsync("--url", stub.Url().ToString());

        Assert.Equal(0, exit);
        Assert.Matches($@"^healthy: 200 OK from http://127\.0\.0\.1:{stub.Port}/health in \d+ ms$", output);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData(503, "Draining")]
    [InlineData(503, "Unhealthy")]
    [InlineData(404, "")]
    public async Task Exits_1_when_health_answers_anything_else(int status, string body)
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(status, body));

        var (exit, output, _) = await ProbeAsync("--url", stub.Url().ToString());

        Assert.Equal(1, exit);
        Assert.StartsWith($"unhealthy: {status} {body}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exits_1_when_nothing_listens()
    {
        var port = ServiceProcess.FreeLoopbackPort();

        var (exit, output, _) = await ProbeAsync("--url", $"http://127.0.0.1:{port}/health");

        Assert.Equal(1, exit);
        Assert.Equal($"unreachable: ConnectionRefused at http://127.0.0.1:{port}/health", output);
    }

    [Fact]
    public async Task Exits_1_at_its_timeout_when_health_never_answers()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.NeverAnswer());
        var timer = Stopwatch.StartNew();

        var (exit, output, _) = await ProbeAsync("--url", stub.Url().ToString(), "--timeout", "300ms");

        Assert.Equal(1, exit);
        Assert.StartsWith("unreachable: no answer within 0.3 s", output, StringComparison.Ordinal);
        Assert.InRange(timer.Elapsed, TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Wait_polls_until_healthy()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503, "Starting"));
        var switchToHealthy = Task.Run(async () =>
        {
            await Task.Delay(1500);
            stub.Behavior = StubBehavior.Status(200, "OK");
        }, TestContext.Current.CancellationToken);

        var (exit, output, _) = await ProbeAsync("--url", stub.Url().ToString(), "--wait", "20s");
        await switchToHealthy;

        Assert.Equal(0, exit);
        Assert.Matches(@"^healthy: 200 OK .* \(after [1-5]\.\d s\)$", output);
        Assert.InRange(stub.Hits, 2, 8);
    }

    [Fact]
    public async Task Wait_gives_up_at_its_deadline()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503, "Unhealthy"));
        var timer = Stopwatch.StartNew();

        var (exit, output, _) = await ProbeAsync("--url", stub.Url().ToString(), "--wait", "2.5s");

        Assert.Equal(1, exit);
        Assert.StartsWith("unhealthy: 503 Unhealthy", output, StringComparison.Ordinal);
        Assert.InRange(timer.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(4));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--url", "not a url")]
    [InlineData("--url", "ftp://127.0.0.1/health")]
    [InlineData("--timeout", "0s")]
    [InlineData("--wait", "soon")]
    [InlineData("--timeout")]
    public async Task Bad_arguments_exit_2_with_usage(params string[] args)
    {
        var (exit, output, error) = await ProbeAsync(args);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("usage: HealthService probe", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_binary_probes_the_port_it_is_configured_with()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?> { ["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));

        await using var probe = ServiceProcess.Start(environment, "probe");
        var exit = await probe.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exit);
        var line = Assert.Single(probe.StandardOutput);
        Assert.StartsWith($"healthy: 200 OK from http://127.0.0.1:{port}/health", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_url_follows_ASPNETCORE_URLS_over_ASPNETCORE_HTTP_PORTS_as_the_service_does_and_path_picks_the_endpoint()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var unused = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://+:{port}",
            ["ASPNETCORE_HTTP_PORTS"] = unused.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));

        await using var probe = ServiceProcess.Start(environment, "probe", "--path", "/health/live");
        var exit = await probe.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exit);
        Assert.StartsWith($"healthy: 200 OK from http://127.0.0.1:{port}/health/live", Assert.Single(probe.StandardOutput), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://[::1:8080")]
    [InlineData("http://127.0.0.1:eighty")]
    public async Task A_malformed_listen_address_is_a_usage_error_naming_it_not_a_crash(string urls)
    {
        await using var probe = ServiceProcess.Start(new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = urls }, "probe");
        var exit = await probe.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, exit);
        var error = string.Join('\n', probe.StandardError);
        Assert.Contains($"the listen address '{urls}' is not a valid http address", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }
}
