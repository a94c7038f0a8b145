using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// The service run as a real process, with its own Kestrel, environment and exit code, as a container or systemd
/// would run it: the native executable named by <see cref="ExecutableVariable"/> (scripts/test.sh publishes it once
/// and sets it, so CI tests what ships), else the build's <c>dotnet HealthService.dll</c>.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private ServiceProcess(Process process, bool readOutput)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(_stderr, e.Data);
        if (readOutput)
        {
            process.BeginOutputReadLine();
        }

        process.BeginErrorReadLine();
    }

    /// <summary>Starts reading standard output of a process started with <c>readOutput: false</c>.</summary>
    public void StartReadingOutput() => _process.BeginOutputReadLine();

    private static void Keep(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    public IReadOnlyList<string> StandardError => [.. _stderr];

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The environment variable that names the published native executable the real-process tests start.</summary>
    public const string ExecutableVariable = "HEALTHSERVICE_TEST_EXECUTABLE";

    /// <summary>The native executable to test, or null to run the build's <c>HealthService.dll</c> on the .NET host.</summary>
    public static string? NativeExecutable { get; } = FindNativeExecutable();

    private static string? FindNativeExecutable()
    {
        var path = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        return File.Exists(path) && Path.IsPathFullyQualified(path) ? path
            : throw new InvalidOperationException($"{ExecutableVariable}={path} is not the absolute path of an executable: publish it with `dotnet publish src/HealthService/HealthService.csproj -c Release -o DIR` and set {ExecutableVariable}=DIR/HealthService, or unset it to test HealthService.dll.");
    }

    /// <summary>Starts the service with quiet defaults for tests; <paramref name="environment"/> entries override them (null removes).</summary>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(environment, readOutput: true, args);

    /// <summary>
    /// As <see cref="Start(IReadOnlyDictionary{string, string?}, string[])"/>; with <paramref name="readOutput"/> false,
    /// standard output goes into a pipe that nobody reads until <see cref="StartReadingOutput"/>, as a stalled log driver.
    /// </summary>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string?> environment, bool readOutput, params string[] args)
    {
        var start = NativeExecutable is { } native ? WithDefaultSignals(native)
            : WithDefaultSignals("dotnet", Path.Combine(AppContext.BaseDirectory, "HealthService.dll"));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath(); // prove it does not depend on the working directory
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Nothing inherited may decide where it listens or how it is configured.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Health__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["Health__Memory__Enabled"] = "false";
        start.Environment["Health__Cpu__Enabled"] = "false";
        start.Environment["Health__Disk__Enabled"] = "false";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        return new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException("the service did not start"), readOutput);
    }

    /// <summary>
    /// Starts <paramref name="program"/> with every signal at its default disposition, as systemd and container
    /// runtimes start a service. A test run started in the background (<c>cmd &amp;</c>, nohup, some CI agents)
    /// ignores SIGINT and SIGQUIT, children inherit that, and the runtime keeps an ignored signal ignored: the drain
    /// tests' SIGINT and second-signal cases then saw a service that never stopped.
    /// </summary>
    public static ProcessStartInfo WithDefaultSignals(string program, params string[] args)
    {
        var start = new ProcessStartInfo("env") { UseShellExecute = false };
        start.ArgumentList.Add("--default-signal");
        start.ArgumentList.Add(OnPath(program)); // env searches the child's PATH, which a test may empty
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static string OnPath(string program) =>
        program.Contains('/', StringComparison.Ordinal) ? program
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException($"{program} is not on PATH");

    /// <summary>Sends a signal (TERM, INT, QUIT, ...) as an orchestrator would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The ports <see cref="FreeLoopbackPort"/> hands out: below Linux's ephemeral range (32768-60999).</summary>
    public static (int First, int Last) TestPorts { get; } = (20000, 32767);

    private static int _nextPort = TestPorts.First + Random.Shared.Next(TestPorts.Last - TestPorts.First + 1);

    /// <summary>
    /// A loopback port that nothing listens on, for a server a test is about to start, never the same one twice in
    /// a run.
    /// </summary>
    /// <remarks>
    /// A port the kernel picks (bind to port 0, then release) comes from the ephemeral range, where every outgoing
    /// connection of the parallel tests takes its local port too: between the release and the server's bind, one of
    /// them could take it ("address already in use"). Below that range only an explicit bind takes a port, and the
    /// tests' own binds never repeat; the random start keeps a second run on the same machine elsewhere.
    /// </remarks>
    public static int FreeLoopbackPort()
    {
        var span = TestPorts.Last - TestPorts.First + 1;
        for (var attempt = 0; attempt < span; attempt++)
        {
            var port = TestPorts.First + ((Interlocked.Increment(ref _nextPort) - TestPorts.First) % span);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by something else on this machine: the next one.
            }
        }

        throw new InvalidOperationException($"No free loopback port from {TestPorts.First} to {TestPorts.Last}.");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The service did not exit within {timeout}. Output:\n{string.Join('\n', StandardOutput)}");
        }

        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>Waits for the first line of standard output, past the first <paramref name="skip"/>, that contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout, int skip = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var line = _stdout.Skip(skip).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"The service never printed '{text}'. Stdout:\n{string.Join('\n', StandardOutput)}\nStderr:\n{string.Join('\n', StandardError)}");
        return "";
    }

    /// <summary>Polls the URL until it answers <paramref name="status"/>, failing after the timeout.</summary>
    public async Task<HttpResponseMessage> WaitForStatusAsync(string url, int status, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        string last = "no answer";
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                var response = await client.GetAsync(url);
                if ((int)response.StatusCode == status)
                {
                    return response;
                }

                last = $"{(int)response.StatusCode}";
            }
            catch (Exception ex) when (RequestFailure.IsTransport(ex))
            {
                last = RequestFailure.Describe(ex);
            }
            catch (TaskCanceledException)
            {
                last = "no answer within 2 s"; // a process still starting on a busy machine: ask again
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{url} did not answer {status} within {timeout} (last: {last}). Stdout:\n{string.Join('\n', StandardOutput)}\nStderr:\n{string.Join('\n', StandardError)}");
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
