using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A real HAProxy (the Debian package) in front of servers on loopback, health-checking <c>GET /health</c> as an AWS
/// ALB does, scaled down in time: a check every <see cref="CheckInterval"/>, a server leaves rotation after
/// <see cref="Fall"/> failed checks in a row and comes back after <see cref="Rise"/> passed ones, and only a
/// <c>200</c> passes. It runs in the foreground (<c>-db</c>) as a child of the test process, with its configuration
/// and its admin socket in its own temporary directory, its frontend on a free 127.0.0.1 port; it is killed on
/// dispose. Every response it forwards carries the <see cref="BackendHeader"/> header naming the server that
/// answered, and <see cref="ShowStatAsync"/> reads each server's state (<c>show stat</c> over the admin socket).
/// </summary>
public sealed class HaproxyServer : IAsyncDisposable
{
    public const string BinaryVariable = "HEALTHSERVICE_TEST_HAPROXY";

    public const string NotFoundMessage = "HAProxy not found: run ./scripts/test.sh (it installs the Debian package haproxy) "
        + "or `apt-get install haproxy`, or set HEALTHSERVICE_TEST_HAPROXY to the haproxy binary.";

    /// <summary>The response header naming the server that answered.</summary>
    public const string BackendHeader = "X-Backend";

    /// <summary>The name of the backend holding the servers, as <c>show stat</c> reports it.</summary>
    public const string BackendName = "fleet";

    public const int Fall = 2;

    public const int Rise = 2;

    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The bound of every wait of the fixture's own: start-up, a stats query, the stop.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<HaproxyServer, byte> Running = new();
    private static int _exitHooked;

    /// <summary>Kept alive so that SIGTERM, which skips ProcessExit, still stops HAProxy first.</summary>
    private static PosixSignalRegistration? _onTerminate;

    private readonly Process _process;
    private readonly string _directory;
    private readonly string _socketPath;
    private readonly ConcurrentQueue<string> _output = new();
    private int _disposed;

    private HaproxyServer(Process process, string directory, string socketPath, int port, string config)
    {
        _process = process;
        _directory = directory;
        _socketPath = socketPath;
        Port = port;
        Config = config;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The frontend's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The configuration HAProxy runs with.</summary>
    public string Config { get; }

    /// <summary>What HAProxy printed: server state changes, abnormal requests, warnings.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>The address of <paramref name="pathAndQuery"/> through the load balancer.</summary>
    public Uri Url(string pathAndQuery = "/") => new($"http://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>
    /// Starts HAProxy with one server per entry of <paramref name="servers"/> (name and port on 127.0.0.1) and returns
    /// once its admin socket answers. Fails with <see cref="NotFoundMessage"/> when there is no haproxy binary.
    /// </summary>
    public static async Task<HaproxyServer> StartAsync(IReadOnlyList<(string Name, int Port)> servers, CancellationToken cancellationToken = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(NotFoundMessage);
        HookProcessExit();
        var directory = Directory.CreateTempSubdirectory("healthservice-haproxy-").FullName;
        var socketPath = Path.Combine(directory, "admin.sock");
        try
        {
            // A port that is free now may be taken before HAProxy binds it: then try another one.
            for (var attempt = 1; ; attempt++)
            {
                var port = ServiceProcess.FreeLoopbackPort();
                var config = Configuration(port, socketPath, servers);
                var configPath = Path.Combine(directory, "haproxy.cfg");
                await File.WriteAllTextAsync(configPath, config, cancellationToken);

                var start = new ProcessStartInfo(binary)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                    WorkingDirectory = directory,
                };
                start.ArgumentList.Add("-f");
                start.ArgumentList.Add(configPath);
                start.ArgumentList.Add("-db"); // foreground, no daemon: the test process owns it
                var server = new HaproxyServer(
                    Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start"), directory, socketPath, port, config);
                Running.TryAdd(server, 0);
                string? failure;
                try
                {
                    failure = await server.WaitUntilReadyAsync(cancellationToken);
                }
                catch
                {
                    await server.StopProcessAsync();
                    throw;
                }

                if (failure is null)
                {
                    return server;
                }

                await server.StopProcessAsync();
                if (attempt == 3 || !failure.Contains("cannot bind socket", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException(failure);
                }
            }
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>The state of every server of the backend, and of the backend itself (named <c>BACKEND</c>).</summary>
    public async Task<IReadOnlyList<HaproxyServerState>> ShowStatAsync(CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(WaitLimit);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), limit.Token);
        await socket.SendAsync("show stat\n"u8.ToArray(), SocketFlags.None, limit.Token);
        using var text = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
        {
            text.Write(buffer, 0, read);
        }

        return ParseStat(Encoding.ASCII.GetString(text.ToArray()));
    }

    /// <summary>The state of one server (or of <c>BACKEND</c>).</summary>
    public async Task<HaproxyServerState> ShowStatAsync(string server, CancellationToken cancellationToken = default) =>
        (await ShowStatAsync(cancellationToken)).SingleOrDefault(s => s.Name == server)
        ?? throw new InvalidOperationException($"HAProxy reports no server '{server}' in backend {BackendName}.");

    /// <summary>
    /// Polls until HAProxy reports <paramref name="server"/> in exactly <paramref name="status"/> (<c>UP</c>, <c>DOWN</c>;
    /// a server between the two reads <c>UP 1/2</c> or <c>DOWN 1/2</c>), failing after the timeout with what it saw.
    /// </summary>
    public Task<HaproxyServerState> WaitForStatusAsync(string server, string status, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(server, s => s.Status == status, status, timeout, cancellationToken);

    /// <summary>Polls until <paramref name="server"/>'s state satisfies <paramref name="condition"/>, failing after the timeout with what it saw.</summary>
    public async Task<HaproxyServerState> WaitUntilAsync(
        string server, Func<HaproxyServerState, bool> condition, string description, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var waited = Stopwatch.StartNew();
        HaproxyServerState? last = null;
        while (waited.Elapsed < timeout && !_process.HasExited)
        {
            last = await ShowStatAsync(server, cancellationToken);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(20, cancellationToken);
        }

        Assert.Fail($"HAProxy did not report server {server} {description} within {timeout} (last: {last?.ToString() ?? "no answer"}, "
            + $"HAProxy {(_process.HasExited ? "exited" : "running")}).\n{Diagnostics()}");
        return null!;
    }

    /// <summary>The configuration and the tail of HAProxy's output, for failure messages.</summary>
    public string Diagnostics()
    {
        var output = Output;
        return $"HAProxy configuration:\n{Config}\nHAProxy output (last 40 lines):\n{string.Join('\n', output.TakeLast(40))}";
    }

    /// <summary>Kills HAProxy and deletes its directory; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopProcessAsync();
        DeleteDirectory(_directory);
    }

    /// <summary>
    /// The whole configuration. The check mirrors an ALB target group's (<c>GET /health</c>, HTTP/1.1, the ALB's
    /// User-Agent, success code 200), with ALB-like thresholds but half-second intervals instead of the ALB's 5-300 s.
    /// </summary>
    private static string Configuration(int port, string socketPath, IReadOnlyList<(string Name, int Port)> servers)
    {
        var text = new StringBuilder()
            .AppendLine("global")
            .AppendLine("    maxconn 512")
            .AppendLine(CultureInfo.InvariantCulture, $"    stats socket {socketPath} mode 600 level admin")
            .AppendLine("    log stdout format raw local0 info")
            .AppendLine()
            .AppendLine("defaults")
            .AppendLine("    mode http")
            .AppendLine("    log global")
            .AppendLine("    option httplog")
            .AppendLine("    option dontlog-normal        # log server state changes and abnormal requests only")
            .AppendLine("    timeout connect 1s")
            .AppendLine("    timeout client 10s")
            .AppendLine("    timeout server 5s")
            .AppendLine("    timeout check 2s             # a check answered late on a busy test machine still counts")
            // The safety net of a rolling restart. A server stops listening once its drain delay has passed; if the
            // health checks had not yet taken it out of rotation (they do well before, since /health answers 503
            // Draining for the whole drain delay), a request sent to it would find the port closed (conn-failure), or an
            // idle pooled connection closed by the stopping server (empty-response). HAProxy then retries the request,
            // on another server (redispatch on every retry), instead of answering the client 503. Only requests that
            // never reached a server, or got not a byte back, are retried; the tests only send GETs. The rolling restart
            // test asserts that the checks win that race (so the drain, not this net, makes it lossless), and the
            // counters wretr and wredis of `show stat` tell whether the net was ever used.
            .AppendLine("    retries 3")
            .AppendLine("    option redispatch 1")
            .AppendLine("    retry-on conn-failure empty-response")
            .AppendLine()
            .AppendLine("frontend web")
            .AppendLine(CultureInfo.InvariantCulture, $"    bind 127.0.0.1:{port}")
            .AppendLine(CultureInfo.InvariantCulture, $"    default_backend {BackendName}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"backend {BackendName}")
            .AppendLine("    balance roundrobin")
            .AppendLine("    option httpchk")
            .AppendLine("    http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1 hdr User-Agent ELB-HealthChecker/2.0")
            .AppendLine("    http-check expect status 200")
            .AppendLine(CultureInfo.InvariantCulture,
                $"    default-server inter {(int)CheckInterval.TotalMilliseconds}ms fall {Fall} rise {Rise}")
            .AppendLine(CultureInfo.InvariantCulture, $"    http-response set-header {BackendHeader} %[srv_name]");
        foreach (var (name, serverPort) in servers)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    server {name} 127.0.0.1:{serverPort} check");
        }

        return text.ToString();
    }

    /// <summary>Null once the admin socket answers, else what went wrong (HAProxy exited, or the wait ran out).</summary>
    private async Task<string?> WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < WaitLimit)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(cancellationToken); // drains the redirected output
                return $"HAProxy exited with {_process.ExitCode} at start-up.\n{Diagnostics()}";
            }

            if (File.Exists(_socketPath))
            {
                try
                {
                    if ((await ShowStatAsync(cancellationToken)).Count > 0)
                    {
                        return null;
                    }
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(20, cancellationToken);
        }

        return $"HAProxy's admin socket did not answer within {WaitLimit}.\n{Diagnostics()}";
    }

    private async Task StopProcessAsync()
    {
        Running.TryRemove(this, out _);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(WaitLimit);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or it will be reaped with the test process.
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null && _output.Count < 10_000)
        {
            _output.Enqueue(line);
        }
    }

    private static List<HaproxyServerState> ParseStat(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"`show stat` answered no header: {text}");
        var names = header[2..].Split(',');
        var states = new List<HaproxyServerState>();
        foreach (var line in lines.Where(l => !l.StartsWith('#')))
        {
            var values = line.Split(',');
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < Math.Min(names.Length, values.Length); i++)
            {
                if (names[i].Length > 0)
                {
                    fields[names[i]] = values[i];
                }
            }

            if (fields.GetValueOrDefault("pxname") == BackendName)
            {
                states.Add(new HaproxyServerState(fields));
            }
        }

        return states;
    }

    private static string? FindBinary()
    {
        if (Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        // The Debian package installs /usr/sbin/haproxy, which is not on every user's PATH.
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/usr/local/sbin"])
            .Select(folder => Path.Combine(folder, "haproxy"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>At the end of the test process (or on SIGTERM): no HAProxy outlives it.</summary>
    private static void HookProcessExit()
    {
        if (Interlocked.Exchange(ref _exitHooked, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll());
    }

    private static void StopAll()
    {
        foreach (var server in Running.Keys)
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover in the temporary directory is harmless.
        }
    }
}

/// <summary>One row of HAProxy's <c>show stat</c> for the backend: a server, or the backend itself (<c>BACKEND</c>).</summary>
public sealed class HaproxyServerState(IReadOnlyDictionary<string, string> fields)
{
    /// <summary>Every field of the row, by its <c>show stat</c> name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; } = fields;

    public string Name => Fields["svname"];

    /// <summary><c>UP</c>, <c>DOWN</c>, <c>UP 1/2</c> (going down), <c>DOWN 1/2</c> (going up), <c>MAINT</c>, ...</summary>
    public string Status => Fields["status"];

    /// <summary>The last check's result, e.g. <c>L7OK</c>, <c>L7STS</c> (wrong status), <c>L4CON</c> (refused).</summary>
    public string CheckStatus => Fields.GetValueOrDefault("check_status", "");

    /// <summary>Failed checks so far.</summary>
    public long FailedChecks => Number("chkfail");

    /// <summary>Transitions from UP to DOWN so far.</summary>
    public long Downs => Number("chkdown");

    /// <summary>Connections to a server that HAProxy retried.</summary>
    public long Retries => Number("wretr");

    /// <summary>Requests HAProxy sent to another server than the one first chosen.</summary>
    public long Redispatches => Number("wredis");

    /// <summary>HTTP responses with a 5xx status.</summary>
    public long Responses5xx => Number("hrsp_5xx");

    public override string ToString() =>
        $"{Name}: {Status} (last check {CheckStatus} {Fields.GetValueOrDefault("check_code")}, failed checks {FailedChecks}, downs {Downs}, "
        + $"retries {Retries}, redispatches {Redispatches}, 5xx {Responses5xx})";

    private long Number(string field) =>
        long.TryParse(Fields.GetValueOrDefault(field), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
