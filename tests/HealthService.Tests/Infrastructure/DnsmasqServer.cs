using System.Diagnostics;
using System.Net;
using HealthService.Probes.Dns;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A real DNS server on loopback: Debian's dnsmasq, unprivileged, on a random port, with no upstream and no hosts
/// file. <see cref="KnownName"/> has an IPv4 and an IPv6 address; any other name under <c>test</c> is NXDOMAIN;
/// <see cref="RefusedName"/> is REFUSED (sent to the "standard servers", of which there are none).
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    public const string KnownName = "ok.test";
    public const string MissingName = "missing.test";
    public const string RefusedName = "x.refused.test";
    public static readonly string[] KnownAddresses = ["127.0.0.7", "::7"];

    private readonly Process _process;

    private DnsmasqServer(Process process, int port)
    {
        _process = process;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>As <c>Health:Dns:&lt;name&gt;:Server</c> takes it.</summary>
    public string Server => EndPoint.ToString();

    /// <summary>dnsmasq from HEALTHSERVICE_TEST_DNSMASQ, /usr/sbin or PATH (scripts/test-prerequisites.sh installs dnsmasq-base).</summary>
    private static string Executable() =>
        Environment.GetEnvironmentVariable("HEALTHSERVICE_TEST_DNSMASQ") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq"
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "dnsmasq")).FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("dnsmasq was not found: install the Debian package dnsmasq-base (scripts/test-prerequisites.sh does).");

    public static async Task<DnsmasqServer> StartAsync()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var start = ServiceProcess.WithDefaultSignals(Executable(),
            "--no-daemon", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=", "--log-facility=-",
            $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
            $"--address=/{KnownName}/{KnownAddresses[0]}", $"--address=/{KnownName}/{KnownAddresses[1]}",
            "--server=/refused.test/#", "--local=/test/");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new DnsmasqServer(process, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var wait = TimeSpan.FromMilliseconds(200);
                using var attempt = new CancellationTokenSource(wait);
                var (addresses, _) = await DnsQuery.ResolveAsync(KnownName, server.EndPoint, wait, attempt.Token);
                if (addresses.Length > 0)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // Not listening yet.
            }

            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"dnsmasq did not answer on port {port} (exited: {process.HasExited})");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
