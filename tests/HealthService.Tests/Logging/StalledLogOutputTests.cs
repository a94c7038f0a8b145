using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Logging;

/// <summary>Runs alone: it bounds the slowest answer, which tests running beside it on two cores would decide.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class LatencyBounds;

/// <summary>
/// The real process with its standard output in a pipe that nobody reads, as with the awslogs driver in blocking
/// mode while CloudWatch Logs throttles: the verdict must keep following health, and /health must stay fast.
/// </summary>
[Collection(typeof(LatencyBounds))]
public sealed class StalledLogOutputTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(500);

    // The bound: a change shows within one interval plus the probe's deadline plus a second.
    private static readonly TimeSpan ShowsWithin = Interval + Deadline + TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_stdout_stalled_and_unknown_paths_flooded_a_failure_and_its_recovery_both_show_and_health_stays_fast()
    {
        await using var dependency = StubHttpServer.Start();
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = Start(dependency, port);

        await StallThenFailAndRecoverAsync(service, dependency, port);

        // The pipe really was stalled: what the service logged meanwhile (the failure and the recovery) comes out
        // only once somebody reads it.
        service.StartReadingOutput();
        await service.WaitForOutputAsync("\"Readiness\":\"Unhealthy\"", TimeSpan.FromSeconds(10));
        await service.WaitForOutputAsync("\"PreviousReadiness\":\"Unhealthy\",\"Readiness\":\"OK\"", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task With_CloudWatch_metrics_on_a_stalled_stdout_drops_documents_but_never_health_and_says_so_once_it_flows()
    {
        await using var dependency = StubHttpServer.Start();
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = Start(dependency, port,
            ("Health__Metrics__CloudWatch__Enabled", "true"),
            ("Health__Metrics__CloudWatch__QueueCapacity", "4")); // two rounds' worth: the stall overflows it within seconds

        await StallThenFailAndRecoverAsync(service, dependency, port);

        service.StartReadingOutput();
        var warning = await service.WaitForOutputAsync("\"EmfDocumentsDropped\"", TimeSpan.FromSeconds(10));
        using (var parsed = JsonDocument.Parse(warning[warning.IndexOf('{', StringComparison.Ordinal)..]))
        {
            Assert.True(parsed.RootElement.GetProperty("Dropped").GetInt64() > 0, warning);
        }

        // Documents flow again once stdout does, each still one whole line.
        var limit = Stopwatch.StartNew();
        while (!service.StandardOutput.SkipWhile(line => !line.Contains("\"EmfDocumentsDropped\"", StringComparison.Ordinal))
                   .Any(line => line.StartsWith("{\"_aws\":", StringComparison.Ordinal) && line.Contains("\"Event\":\"Round\"", StringComparison.Ordinal) && line.Contains("\"Ready\":1,", StringComparison.Ordinal))
               && limit.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, Ct);
        }

        var after = service.StandardOutput.SkipWhile(line => !line.Contains("\"EmfDocumentsDropped\"", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.Contains(after, line => line.StartsWith("{\"_aws\":", StringComparison.Ordinal) && line.Contains("\"Ready\":1,", StringComparison.Ordinal));
        Assert.All(after.Where(line => line.StartsWith("{\"_aws\":", StringComparison.Ordinal)), Telemetry.EmfSpecification.AssertValid);
    }

    private static ServiceProcess Start(StubHttpServer dependency, int port, params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.500",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Http__api__Url"] = dependency.Url().ToString(),
            ["Health__Http__api__Critical"] = "true",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return ServiceProcess.Start(environment, readOutput: false);
    }

    /// <summary>
    /// Fills the stdout pipe, floods unknown paths, then fails and restores the critical dependency: both changes must
    /// show on /health within the bound, and every /health answer must stay fast.
    /// </summary>
    private static async Task StallThenFailAndRecoverAsync(ServiceProcess service, StubHttpServer dependency, int port)
    {
        var health = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(30));

        // Fill the pipe to the brim through the process's own stdout: from now on every write to it blocks.
        FillPipe(service.Id);

        using var flooding = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var flood = FloodUnknownPathsAsync(port, flooding.Token);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // the pipe and the queue are full long before this
        var poller = new HealthPoller(health);
        var polling = poller.RunAsync(TimeSpan.FromSeconds(60));
        await poller.WaitForAsync(200, "OK", TimeSpan.FromSeconds(2));

        dependency.Behavior = StubBehavior.Status(503);
        var failed = Stopwatch.StartNew();
        await poller.WaitForAsync(503, "Unhealthy", ShowsWithin + TimeSpan.FromSeconds(3));
        var failureShownAfter = failed.Elapsed;

        dependency.Behavior = StubBehavior.Status(200, "OK");
        var restored = Stopwatch.StartNew();
        await poller.WaitForAsync(200, "OK", ShowsWithin + TimeSpan.FromSeconds(3));
        var recoveryShownAfter = restored.Elapsed;

        // And it stays: a loop blocked on its log line would let the snapshot go stale.
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        await poller.WaitForAsync(200, "OK", TimeSpan.FromMilliseconds(200));
        poller.Stop();
        await polling;
        await flooding.CancelAsync();
        var flooded = await flood;

        Assert.True(failureShownAfter <= ShowsWithin, $"The failure showed after {failureShownAfter}, bound {ShowsWithin}");
        Assert.True(recoveryShownAfter <= ShowsWithin, $"The recovery showed after {recoveryShownAfter}, bound {ShowsWithin}");
        Assert.True(flooded > 500, $"Only {flooded} flood requests were sent");
        Assert.True(poller.Slowest < TimeSpan.FromMilliseconds(250), $"The slowest of {poller.Count} /health answers took {poller.Slowest}");
    }

    /// <summary>Writes into the process's stdout pipe, without blocking, until it takes no more.</summary>
    private static void FillPipe(int pid)
    {
        using var pipe = new FileStream(
            new Microsoft.Win32.SafeHandles.SafeFileHandle(Open($"/proc/{pid}/fd/1", 0x1 | 0x800 /* O_WRONLY | O_NONBLOCK */), ownsHandle: true),
            FileAccess.Write, bufferSize: 0);
        var filler = new byte[4096];
        Array.Fill(filler, (byte)'#');
        var written = 0;
        for (var i = 0; i < 1024; i++)
        {
            try
            {
                pipe.Write(filler);
                written += filler.Length;
            }
            catch (IOException)
            {
                break; // EAGAIN: full
            }
        }

        Assert.True(written is >= 4096 and < 4 * 1024 * 1024, $"wrote {written} bytes into the pipe");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = System.Runtime.InteropServices.CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int OpenNative(string path, int flags);

    private static IntPtr Open(string path, int flags)
    {
        var fd = OpenNative(path, flags);
        Assert.True(fd >= 0, $"open {path} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return fd;
    }

    /// <summary>Four clients asking for unknown paths until cancelled, at most 20,000 requests; returns how many were sent.</summary>
    private static async Task<int> FloodUnknownPathsAsync(int port, CancellationToken stop)
    {
        var sent = 0;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var clients = Enumerable.Range(0, 4).Select(async worker =>
        {
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref sent) <= 20_000)
            {
                try
                {
                    using var response = await client.GetAsync($"/scan/{worker}/{sent}.php", stop);
                }
                catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
                {
                    // cancelled at the end, or one request refused under load: the flood goes on
                }
            }
        });
        await Task.WhenAll(clients);
        return Math.Min(sent, 20_000);
    }

    /// <summary>Polls /health every 20 ms on its own connection, recording every answer and its latency.</summary>
    private sealed class HealthPoller(string url)
    {
        private readonly ConcurrentQueue<(int Status, string Body)> _answers = new();
        private readonly List<TimeSpan> _latencies = [];
        private volatile bool _stopped;
        private volatile string _last = "";

        public TimeSpan Slowest => _latencies.Count == 0 ? TimeSpan.Zero : _latencies.Max();

        public int Count => _latencies.Count;

        public void Stop() => _stopped = true;

        public async Task RunAsync(TimeSpan limit)
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var elapsed = Stopwatch.StartNew();
            while (!_stopped && elapsed.Elapsed < limit)
            {
                var timer = Stopwatch.StartNew();
                using var response = await client.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                lock (_latencies)
                {
                    _latencies.Add(timer.Elapsed);
                }

                _last = $"{(int)response.StatusCode} {body}";
                _answers.Enqueue(((int)response.StatusCode, body));
                await Task.Delay(20);
            }
        }

        public async Task WaitForAsync(int status, string body, TimeSpan timeout)
        {
            var expected = $"{status} {body}";
            var limit = Stopwatch.StartNew();
            while (_last != expected)
            {
                if (limit.Elapsed > timeout)
                {
                    Assert.Fail($"/health still answered {_last} after {timeout}, expected {expected}");
                }

                await Task.Delay(5);
            }
        }
    }
}
