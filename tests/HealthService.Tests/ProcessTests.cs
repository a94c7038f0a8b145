using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests;

/// <summary>The built service as a real process: listening addresses, start-up errors, logs on stdout.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static Dictionary<string, string?> Env(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Listens_on_0_0_0_0_port_8080_by_default()
    {
        await using var service = ServiceProcess.Start(Env());

        await service.WaitForOutputAsync("\"address\":\"http://0.0.0.0:8080\"", StartTimeout);
        var response = await service.WaitForStatusAsync("http://127.0.0.1:8080/health", 200, StartTimeout);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task With_only_the_detailed_view_enabled_the_details_command_finds_the_service_by_itself()
    {
        var environment = new Dictionary<string, string?> { ["Health__Details__Enabled"] = "true" };
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync("http://127.0.0.1:8080/health", 200, StartTimeout);

        await using var command = ServiceProcess.Start(environment, "details");
        var exit = await command.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exit == 0, string.Join('\n', command.StandardError));
        Assert.Contains("\"readiness\":\"OK\"", string.Join('\n', command.StandardOutput), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("--urls")]
    public async Task The_standard_listen_overrides_still_work(string how)
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = how switch
        {
            "ASPNETCORE_HTTP_PORTS" => ServiceProcess.Start(Env((how, port.ToString()))),
            "ASPNETCORE_URLS" => ServiceProcess.Start(Env((how, $"http://127.0.0.1:{port}"))),
            _ => ServiceProcess.Start(Env(), "--urls", $"http://127.0.0.1:{port}"),
        };

        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);
        Assert.DoesNotContain(service.StandardOutput, line => line.Contains(":8080", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_raw_ALB_health_check_request_gets_200_OK_from_Kestrel()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(Env(("ASPNETCORE_URLS", $"http://127.0.0.1:{port}")));
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);

        // Exactly what an ALB target group sends: its target's private address as Host, its user agent, nothing else.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\nHost: 10.0.3.7:8080\r\nUser-Agent: ELB-HealthChecker/2.0\r\n\r\n"), TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Cache-Control: no-store\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nOK", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Health__Interval", "-00:00:01", "Health:Interval must be greater than zero")]
    [InlineData("Health__Timeout", "soon", "Failed to convert configuration value 'soon' at 'Health:Timeout'")]
    [InlineData("Health__Intervall", "00:00:05", "Health:Intervall is not a known setting")]
    [InlineData("Health__Memory__UnhealthyPercent", "150", "Health:Memory:UnhealthyPercent must be a percentage")]
    [InlineData("Health__MySql__main__ConnectionString", "Server=db;Port=eighty;Password=hunter2", "Health:MySql:main:ConnectionString is not a valid connection string")]
    public async Task A_bad_setting_stops_start_up_with_one_line_naming_the_key(string variable, string value, string expected)
    {
        await using var service = ServiceProcess.Start(Env((variable, value)));

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.Equal(78, exitCode);
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Empty(service.StandardOutput); // no host log, no stack trace
    }

    [Fact]
    public async Task Environment_variables_override_appsettings_json()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(Env(("ASPNETCORE_URLS", $"http://127.0.0.1:{port}"), ("Health__Interval", "00:00:02")));

        var line = await service.WaitForOutputAsync("\"PipelineStarted\"", StartTimeout);

        using var json = JsonDocument.Parse(line);
        Assert.Equal("00:00:02", json.RootElement.GetProperty("Interval").GetString());
        Assert.Equal("00:00:02", json.RootElement.GetProperty("Timeout").GetString()); // from appsettings.json
    }

    [Fact]
    public async Task Logs_are_compact_json_lines_on_stdout_outside_Development()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(Env(("ASPNETCORE_URLS", $"http://127.0.0.1:{port}")));
        await service.WaitForOutputAsync("\"ReadinessChanged\"", StartTimeout);

        Assert.All(service.StandardOutput, line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("@t", out _), line);
            Assert.True(json.RootElement.TryGetProperty("@mt", out _), line);
        });
        Assert.Empty(service.StandardError);
    }
}
