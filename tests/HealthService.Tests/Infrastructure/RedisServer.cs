using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A real Redis server for one test (Debian's <c>redis-server</c>): listening only on 127.0.0.1 on a free port, a
/// password (<c>requirepass</c>), no persistence, its own temporary directory. As root it runs as the "redis" user
/// (runuser), which the Debian package creates, as a deployed server would.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string BinaryVariable = "HEALTHSERVICE_TEST_REDIS_SERVER";

    public const string NotFoundMessage = "redis-server not found: run ./scripts/test.sh (it installs the Debian package redis-server) "
        + "or `apt-get install redis-server`, or set HEALTHSERVICE_TEST_REDIS_SERVER to the redis-server executable (redis-cli beside it).";

    private const string Loopback = "127.0.0.1";
    private const string RunAs = "redis";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly string _server;
    private readonly string _cli;
    private readonly string _directory;
    private int _disposed;

    private RedisServer(string server, string directory)
    {
        _server = server;
        _cli = Path.Combine(Path.GetDirectoryName(server)!, "redis-cli");
        _directory = directory;
    }

    public int Port { get; private set; }

    public string Password { get; } = RandomNumberGenerator.GetHexString(24, lowercase: true);

    public int Pid { get; private set; }

    /// <summary>A StackExchange.Redis configuration string for this server; <paramref name="password"/> null means the real one.</summary>
    public string ConnectionString(string? password = null) => $"{Loopback}:{Port},password={password ?? Password}";

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new RedisServer(FindServer(), Path.Combine("/tmp", $"healthservice-redis-{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}"));
        try
        {
            Directory.CreateDirectory(server._directory);
            if (IsRoot)
            {
                await RunAsync("chown", [$"{RunAs}:", server._directory], cancellationToken);
            }

            for (var attempt = 1; ; attempt++)
            {
                server.Port = ServiceProcess.FreeLoopbackPort();
                var failure = await server.TryStartAsync(cancellationToken);
                if (failure is null)
                {
                    return server;
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException(failure);
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server (SIGKILL, as a crash or a lost node) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        Signal("CONT", Pid);
        Signal("KILL", Pid);
        var waited = Stopwatch.StartNew();
        while (IsAlive(Pid))
        {
            if (waited.Elapsed > WaitLimit)
            {
                throw new TimeoutException($"redis-server {Pid} still alive {WaitLimit} after SIGKILL");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Starts the server again on the same port, with the same password.</summary>
    public async Task StartAgainAsync()
    {
        var failure = await TryStartAsync(CancellationToken.None);
        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>SIGSTOP: the server accepts connections (the kernel does) but answers nothing.</summary>
    public void Freeze() => Signal("STOP", Pid);

    /// <summary>SIGCONT.</summary>
    public void Thaw() => Signal("CONT", Pid);

    /// <summary>Runs a command with redis-cli and returns its output.</summary>
    public async Task<string> CommandAsync(params string[] command)
    {
        var (exit, output) = await RunAsync(_cli, ["-h", Loopback, "-p", Port.ToString(CultureInfo.InvariantCulture), "--no-auth-warning", "-a", Password, .. command], CancellationToken.None);
        return exit == 0 ? output : throw new InvalidOperationException($"redis-cli {string.Join(' ', command)} failed ({exit}): {output}");
    }

    /// <summary>The connections whose client name is <paramref name="name"/> (CLIENT LIST).</summary>
    public async Task<int> ClientsNamedAsync(string name) =>
        (await CommandAsync("CLIENT", "LIST")).Split('\n').Count(line => line.Split(' ').Contains($"name={name}"));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (IsAlive(Pid))
        {
            Signal("CONT", Pid);
            Signal("KILL", Pid);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: /tmp is cleaned by the system.
        }

        await Task.CompletedTask;
    }

    private async Task<string?> TryStartAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(_directory, "redis.pid");
        var logFile = Path.Combine(_directory, "server.log");
        File.Delete(pidFile);
        Pid = 0; // a killed server's pid is no sign that this start failed
        string[] arguments = ["--bind", Loopback, "--port", Port.ToString(CultureInfo.InvariantCulture), "--requirepass", Password,
            "--save", "", "--appendonly", "no", "--dir", _directory, "--daemonize", "yes", "--pidfile", pidFile, "--logfile", logFile,
            "--protected-mode", "yes", "--maxclients", "200"];
        var (exit, output) = IsRoot
            ? await RunAsync(File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser", ["-u", RunAs, "--", _server, .. arguments], cancellationToken)
            : await RunAsync(_server, arguments, cancellationToken);
        var waited = Stopwatch.StartNew();
        while (exit == 0 && waited.Elapsed < WaitLimit)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                Pid = pid;
                try
                {
                    if ((await CommandAsync("PING")).Trim() == "PONG")
                    {
                        return null;
                    }
                }
                catch (InvalidOperationException)
                {
                    // Not listening yet.
                }
            }

            if (Pid > 0 && !IsAlive(Pid))
            {
                break;
            }

            await Task.Delay(20, cancellationToken);
        }

        var log = File.Exists(logFile) ? await File.ReadAllTextAsync(logFile, CancellationToken.None) : "(no log)";
        return $"redis-server did not start on {Loopback}:{Port} within {WaitLimit} (exit {exit}): {output}\n{log}";
    }

    private static string FindServer()
    {
        var configured = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : throw new InvalidOperationException($"{BinaryVariable}={configured} does not exist. {NotFoundMessage}");
        }

        return File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : throw new InvalidOperationException(NotFoundMessage);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return pid > 0 && state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Signal(string signal, int pid)
    {
        if (pid <= 0)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardError = true })!;
        kill.WaitForExit(WaitLimit);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(WaitLimit);
        try
        {
            await process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{program} did not finish within {WaitLimit}");
        }

        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
