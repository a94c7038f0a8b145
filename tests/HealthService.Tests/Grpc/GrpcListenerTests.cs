using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;
using HealthService.Tests.Infrastructure;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace HealthService.Tests.Grpc;

/// <summary>
/// The gRPC listener beside the HTTP ones, however those are configured, and the settings that refuse to start.
/// </summary>
public sealed class GrpcListenerTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_HTTP_PORTS")]
    [InlineData("--urls")]
    [InlineData("Kestrel:Endpoints")]
    public async Task The_HTTP_port_the_local_details_port_and_the_gRPC_port_all_listen(string how)
    {
        var (http, grpc, local) = (ServiceProcess.FreeLoopbackPort(), ServiceProcess.FreeLoopbackPort(), ServiceProcess.FreeLoopbackPort());
        var environment = new Dictionary<string, string?>
        {
            ["Health__Grpc__Enabled"] = "true",
            ["Health__Grpc__Port"] = Text(grpc),
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = Text(local),
        };
        string[] args = [];
        switch (how)
        {
            case "ASPNETCORE_URLS":
                environment[how] = $"http://127.0.0.1:{http}";
                break;
            case "ASPNETCORE_HTTP_PORTS":
                environment[how] = Text(http);
                break;
            case "--urls":
                args = ["--urls", $"http://127.0.0.1:{http}"];
                break;
            default:
                environment["Kestrel__Endpoints__Web__Url"] = $"http://127.0.0.1:{http}";
                break;
        }

        await using var service = ServiceProcess.Start(environment, args);

        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        await service.WaitForStatusAsync($"http://127.0.0.1:{local}/health/details", 200, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        var answer = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: Ct);
        Assert.Equal(ServingStatus.Serving, answer.Status);
        Assert.Contains(service.StandardOutput, line => line.Contains($"\"address\":\"http://0.0.0.0:{grpc}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(service.StandardOutput, line => line.Contains("Overriding address", StringComparison.Ordinal));
        Assert.DoesNotContain(service.StandardOutput, line => line.Contains(":8080", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Health__Grpc__Port", "0", null, "Health:Grpc:Port must be a port number (1-65535) (was 0).")]
    [InlineData("Health__Grpc__Port", "65536", null, "Health:Grpc:Port must be a port number (1-65535) (was 65536).")]
    [InlineData("Health__Grpc__Port", "eighty", null, "Failed to convert configuration value 'eighty' at 'Health:Grpc:Port'")]
    [InlineData("Health__Grpc__MaxWatchStreams", "0", null, "Health:Grpc:MaxWatchStreams must be between 1 and 10000 (was 0).")]
    [InlineData("Health__Grpc__MaxWatchStreams", "10001", null, "Health:Grpc:MaxWatchStreams must be between 1 and 10000 (was 10001).")]
    [InlineData("Health__Grpc__Enabled", "yes", null, "Failed to convert configuration value 'yes' at 'Health:Grpc:Enabled'")]
    [InlineData("Health__Grpc__Port", "{http}", "ASPNETCORE_URLS", "Health:Grpc:Port ({http}) is also a public listen address (http://127.0.0.1:{http}): the gRPC listener needs a port of its own.")]
    [InlineData("Health__Grpc__Port", "{http}", "ASPNETCORE_HTTP_PORTS", "Health:Grpc:Port ({http}) is also a public listen address (http://*:{http}): the gRPC listener needs a port of its own.")]
    [InlineData("Health__Grpc__Port", "{http}", "Kestrel__Endpoints__Web__Url", "Health:Grpc:Port ({http}) is also a public listen address (http://127.0.0.1:{http}): the gRPC listener needs a port of its own.")]
    [InlineData("Health__Grpc__Port", "{local}", "ASPNETCORE_URLS", "Health:Grpc:Port ({local}) is also Health:Details:LocalPort: the gRPC listener needs a port of its own.")]
    public async Task A_bad_gRPC_setting_stops_start_up_with_one_line_naming_the_key(string variable, string value, string? listen, string expected)
    {
        var (http, local) = (Text(ServiceProcess.FreeLoopbackPort()), Text(ServiceProcess.FreeLoopbackPort()));
        string Fill(string text) => text.Replace("{http}", http, StringComparison.Ordinal).Replace("{local}", local, StringComparison.Ordinal);
        var environment = new Dictionary<string, string?>
        {
            ["Health__Grpc__Enabled"] = "true",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = local,
            [variable] = Fill(value),
        };
        if (listen is not null)
        {
            environment[listen] = listen == "ASPNETCORE_HTTP_PORTS" ? http : $"http://127.0.0.1:{http}";
        }

        await using var service = ServiceProcess.Start(environment);
        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.Equal(78, exitCode);
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(Fill(expected), line, StringComparison.Ordinal);
        Assert.Empty(service.StandardOutput); // refused before the host is built: no log, no stack trace
    }

    [Fact]
    public async Task A_gRPC_port_already_taken_stops_start_up_naming_the_key()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var grpc = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}",
            ["Health__Grpc__Enabled"] = "true",
            ["Health__Grpc__Port"] = Text(grpc),
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.Equal(78, exitCode);
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: cannot listen: ", line, StringComparison.Ordinal);
        Assert.Contains($":{grpc}: address already in use.", line, StringComparison.Ordinal);
        Assert.EndsWith("Set Health:Grpc:Port to a free port.", line, StringComparison.Ordinal);
    }
}
