using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Fleet;

/// <summary>
/// One instance of the fleet: the built service as a real process on its own loopback port, with its own critical
/// dependency (a <see cref="StubHttpServer"/> that only this instance probes) and the fleet's shared non-critical one.
/// </summary>
internal sealed class FleetInstance : IAsyncDisposable
{
    /// <summary>Time between two evaluation rounds (Health:Interval).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Probe deadline (Health:Timeout).</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long /health answers 503 Draining after SIGTERM while everything else is served (Health:DrainDelay): twice
    /// the time the load balancer needs to see it (<see cref="HaproxyServer.CheckInterval"/> × <see cref="HaproxyServer.Fall"/>),
    /// so the instance is out of rotation before its listener closes.
    /// </summary>
    public static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);

    /// <summary>Health:ShutdownTimeout.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, string?> _environment;
    private readonly int _localPort;

    private FleetInstance(string name, int port, int localPort, StubHttpServer dependency, Dictionary<string, string?> environment)
    {
        _localPort = localPort;
        Name = name;
        Port = port;
        Dependency = dependency;
        _environment = environment;
        Process = ServiceProcess.Start(environment);
    }

    /// <summary>The instance's server name in HAProxy, and the value of the backend header on its responses.</summary>
    public string Name { get; }

    public int Port { get; }

    /// <summary>This instance's critical dependency (<c>http:dep</c>): when it fails, /health answers 503.</summary>
    public StubHttpServer Dependency { get; }

    /// <summary>The running process; <see cref="StartAgain"/> replaces it.</summary>
    public ServiceProcess Process { get; private set; }

    public static FleetInstance Start(string name, StubHttpServer shared)
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        var dependency = StubHttpServer.Start();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = Duration(Interval),
            ["Health__Timeout"] = Duration(ProbeTimeout),
            ["Health__DrainDelay"] = Duration(DrainDelay),
            ["Health__ShutdownTimeout"] = Duration(ShutdownTimeout),
            // The local listener (a port of its own per instance): the test reads what each instance thinks of its probes.
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Health__Http__dep__Url"] = dependency.Url("/health").ToString(),
            ["Health__Http__dep__Critical"] = "true",
            ["Health__Http__shared__Url"] = shared.Url("/health").ToString(), // non-critical by default
        };
        return new FleetInstance(name, port, localPort, dependency, environment);
    }

    public Uri Url(string pathAndQuery) => new($"http://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>
    /// Waits until the instance itself answers 200 on /health, failing with its output after the timeout or if it exits.
    /// Unlike <see cref="ServiceProcess.WaitForStatusAsync"/> it outlasts a request that times out: on a starved machine
    /// the first requests to a process still warming up can take seconds.
    /// </summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        var last = "no answer";
        while (waited.Elapsed < timeout && !Process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(Url("/health"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}";
            }
            catch (Exception ex) when (RequestFailure.IsTransport(ex) || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                last = ex.Message;
            }

            await Task.Delay(50, cancellationToken);
        }

        Assert.Fail($"Instance {Name} did not answer 200 on /health within {timeout} (last: {last}).\n{Diagnostics()}");
    }

    /// <summary>Starts a new process with the same settings on the same port, once the previous one has exited.</summary>
    public async Task StartAgainAsync()
    {
        if (!Process.HasExited)
        {
            throw new InvalidOperationException($"Instance {Name} is still running.");
        }

        await Process.DisposeAsync();
        Process = ServiceProcess.Start(_environment);
    }

    /// <summary>The status of probe <paramref name="probe"/> and the readiness, as the instance's detailed view reports them.</summary>
    public async Task<(string ProbeStatus, string Readiness)> ProbeStatusAsync(string probe, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await client.GetAsync($"http://127.0.0.1:{_localPort}/health/details", cancellationToken);
        using var details = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = details.RootElement;
        var status = root.GetProperty("entries").TryGetProperty(probe, out var entry) ? entry.GetProperty("status").GetString() : null;
        return (status ?? "(absent)", root.GetProperty("readiness").GetString() ?? "(absent)");
    }

    /// <summary>The last lines the current process wrote, for failure messages.</summary>
    public string Diagnostics() =>
        $"Instance {Name} (port {Port}, {(Process.HasExited ? "exited" : "running")}), last output:\n{string.Join('\n', Process.StandardOutput.TakeLast(15))}"
        + (Process.StandardError.Count > 0 ? $"\nstderr:\n{string.Join('\n', Process.StandardError.TakeLast(15))}" : "");

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await Dependency.DisposeAsync();
    }

    private static string Duration(TimeSpan value) => value.ToString(@"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture);
}
