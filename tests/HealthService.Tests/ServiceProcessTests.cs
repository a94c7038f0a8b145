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

    private static long Ignored(string sigIgnLine) => long.Parse(sigIgnLine.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static int EphemeralRangeStart() =>
        int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
}
