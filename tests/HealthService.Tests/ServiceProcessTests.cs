using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests;

/// <summary>The real-process fixture itself: the ports it hands out and the signals its processes start with.</summary>
public sealed class ServiceProcessTests
{
    [Fact]
    public void Free_ports_are_bindable_below_the_ephemeral_range_and_never_handed_out_twice()
    {
        var ports = Enumerable.Range(0, 300).Select(_ => ServiceProcess.FreeLoopbackPort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, ServiceProcess.TestPorts.First, ServiceProcess.TestPorts.Last));
        Assert.True(ServiceProcess.TestPorts.Last < EphemeralRangeStart(), $"The test ports must end below the ephemeral range, which starts at {EphemeralRangeStart()}");
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }

    [Fact]
    public async Task A_process_started_by_the_fixture_handles_SIGINT_and_SIGQUIT_even_when_the_test_run_ignores_them()
    {
        // A test run started in the background ignores SIGINT and SIGQUIT; the shell plays that parent here.
        var start = ServiceProcess.WithDefaultSignals("grep", "SigIgn", "/proc/self/status");
        var shell = new ProcessStartInfo("sh") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-c", "trap '' INT QUIT; grep SigIgn /proc/self/status; exec \"$@\"", "sh", start.FileName, .. start.ArgumentList])
        {
            shell.ArgumentList.Add(arg);
        }

        using var process = Process.Start(shell)!;
        var output = (await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        const long intAndQuit = (1 << (2 - 1)) | (1 << (3 - 1));
        Assert.Equal(2, output.Length);
        Assert.Equal(intAndQuit, Ignored(output[0]) & intAndQuit); // the parent ignores them
        Assert.Equal(0, Ignored(output[1]) & intAndQuit); // what the fixture starts does not
    }

    [Fact]
    public async Task In_CI_the_real_process_tests_run_the_published_native_executable()
    {
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Assert.False(
            inCi && ServiceProcess.NativeExecutable is null,
            $"In CI the real-process tests run the native executable: run scripts/test.sh, which publishes it and sets {ServiceProcess.ExecutableVariable}.");
        var port = ServiceProcess.FreeLoopbackPort();
        var service = ServiceProcess.Start(new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        await using (service)
        {
            await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));

            // env --default-signal replaces itself with the service: the process is the service's own executable.
            var executable = new FileInfo($"/proc/{service.Id}/exe").ResolveLinkTarget(returnFinalTarget: true)!.FullName;
            if (ServiceProcess.NativeExecutable is { } native)
            {
                Assert.Equal(new FileInfo(native).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? native, executable);
                Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(native)[..4]);
                Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(native)!, "HealthService.dll")), "a native publish has no HealthService.dll");
            }
            else
            {
                Assert.Equal("dotnet", Path.GetFileName(executable));
            }
        }
    }

    private static long Ignored(string sigIgnLine) => long.Parse(sigIgnLine.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static int EphemeralRangeStart() =>
        int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
}
