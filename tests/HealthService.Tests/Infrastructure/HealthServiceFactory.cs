using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// The real application in memory. Settings go in as host settings, which the application sees from its first
/// line, as it would see environment variables.
/// </summary>
public sealed class HealthServiceFactory : WebApplicationFactory<Program>
{
    /// <summary>
    /// Fast rounds keep the tests short; the resource probes are off unless a test turns them on, so that a busy CI
    /// machine cannot change an answer; the console stays quiet (the collecting sink sees everything).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DefaultSettings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Health:Interval"] = "00:00:01",
        ["Health:Timeout"] = "00:00:00.500",
        ["Health:Memory:Enabled"] = "false",
        ["Health:Cpu:Enabled"] = "false",
        ["Health:Disk:Enabled"] = "false",
        ["Serilog:WriteTo:Console:Args:restrictedToMinimumLevel"] = "Fatal",
    };

    private readonly Dictionary<string, string?> _settings = new(DefaultSettings, StringComparer.OrdinalIgnoreCase);

    private readonly List<Action<IServiceCollection>> _services = [];

    public CollectingSink Logs { get; } = new();

    /// <summary>Sets a setting; null removes it, so the application's own default applies.</summary>
    public HealthServiceFactory With(string key, string? value)
    {
        if (value is null)
        {
            _settings.Remove(key);
        }
        else
        {
            _settings[key] = value;
        }

        return this;
    }

    public HealthServiceFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Makes every request arrive from <paramref name="address"/>, as through a load balancer.</summary>
    public HealthServiceFactory WithRemoteAddress(System.Net.IPAddress address) =>
        WithServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new RemoteAddressFilter(address)));

    private sealed class RemoteAddressFilter(System.Net.IPAddress address) : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = address;
                return following(context);
            });
            next(app);
        };
    }

    /// <summary>Adds a custom check the way a user would, in one line.</summary>
    public HealthServiceFactory WithCheck(string name, ControllableHealthCheck check, params string[] tags) =>
        WithServices(services => services.AddHealthChecks().AddCheck(name, check, tags: tags));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ILogEventSink>(Logs);
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="condition"/> holds or the deadline passes.</summary>
    public async Task<HttpResponseMessage> WaitForAsync(Func<HttpResponseMessage, string, bool> condition, TimeSpan deadline, string path = "/health")
    {
        var client = CreateClient();
        using var timeout = new CancellationTokenSource(deadline);
        while (true)
        {
            var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (condition(response, body))
            {
                await LogsWrittenAsync();
                return response;
            }

            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{path} still answered {(int)response.StatusCode} {body} after {deadline}.");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// What a poller of <c>/health</c> saw: the last status, how long it polled, its 95th-percentile and slowest
    /// answers. Bounds go on the percentile: one answer on a loaded 2-core machine can always be late.
    /// </summary>
    public sealed record PollResult(System.Net.HttpStatusCode Status, TimeSpan Elapsed, TimeSpan P95, TimeSpan Slowest);

    /// <summary>
    /// Polls <c>/health</c> every 10 ms, timing each answer, until <paramref name="done"/> holds for the last
    /// status and body or <paramref name="limit"/> passes.
    /// </summary>
    public async Task<PollResult> PollHealthUntilAsync(Func<System.Net.HttpStatusCode, string, bool> done, TimeSpan limit)
    {
        var client = CreateClient();
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        var latencies = new List<TimeSpan>();
        System.Net.HttpStatusCode status;
        string body;
        do
        {
            var request = System.Diagnostics.Stopwatch.StartNew();
            var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
            latencies.Add(request.Elapsed);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        while (!done(status, body) && elapsed.Elapsed < limit);

        latencies.Sort();
        return new PollResult(status, elapsed.Elapsed, latencies[(int)(latencies.Count * 0.95)], latencies[^1]);
    }

    /// <summary>
    /// Waits until the loop has started the round due at <paramref name="time"/>'s present moment (its heartbeat is
    /// published), after a test advanced a fake clock by an interval; fails after 10 s of real time.
    /// </summary>
    public async Task WaitForRoundAsync(TimeProvider time)
    {
        var store = Services.GetRequiredService<HealthService.Pipeline.HealthSnapshotStore>();
        var now = time.GetTimestamp();
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (store.Current is not { } snapshot || snapshot.HeartbeatTimestamp < now)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), "The loop did not start the round due now within 10 s.");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until <paramref name="probe"/> has a result from <paramref name="time"/>'s present moment (on a fake
    /// clock: from the round just started), and returns what <c>/health</c> answers then; fails after 10 s of real time.
    /// </summary>
    public async Task<string> WaitForResultAsync(string probe, TimeProvider time)
    {
        var store = Services.GetRequiredService<HealthService.Pipeline.HealthSnapshotStore>();
        var now = time.GetUtcNow();
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (store.Current?.ResultTimes.TryGetValue(probe, out var completed) != true || completed < now)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), $"Probe {probe} had no result from {now:O} within 10 s.");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        var response = await CreateClient().GetAsync("/health", TestContext.Current.CancellationToken);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}";
    }

    /// <summary>Waits for the log event that says <paramref name="probe"/> changed to <paramref name="status"/>.</summary>
    public async Task<Serilog.Events.LogEvent> WaitForProbeAsync(string probe, string status, TimeSpan? deadline = null)
    {
        _ = Server; // starts the host if no request has yet
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var change = Logs.WithEventName("ProbeStatusChanged").LastOrDefault(e => CollectingSink.Scalar(e, "Probe") == probe);
            if (change is not null && CollectingSink.Scalar(change, "Status") == status)
            {
                return change;
            }

            if (limit.Elapsed > (deadline ?? TimeSpan.FromSeconds(10)))
            {
                Assert.Fail($"Probe {probe} never changed to {status}; last change: {change?.RenderMessage() ?? "none"}. Log:\n{string.Join('\n', Logs.Events.Select(e => e.RenderMessage()))}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until the service's log queue is empty, so that what it logged before this moment has reached
    /// <see cref="Logs"/>: events reach sinks through a queue, a moment after the code that wrote them.
    /// </summary>
    public async Task LogsWrittenAsync()
    {
        var monitor = Services.GetRequiredService<HealthService.Logging.LogOutputMonitor>();
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (monitor.Queued > 0 && limit.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(5);
        }

        await Task.Delay(30); // the last event taken from the queue may still be on its way into the sink
    }

    /// <summary>Every rendered message and property value logged so far, for checks that a secret appears nowhere.</summary>
    public string AllLogText() => string.Join('\n', Logs.Events.Select(e =>
        e.RenderMessage() + " " + string.Join(' ', e.Properties.Select(p => p.Value.ToString())) + " " + e.Exception));

    public Task<HttpResponseMessage> WaitForStatusAsync(int status, string body, TimeSpan? deadline = null) =>
        WaitForAsync((r, b) => (int)r.StatusCode == status && b == body, deadline ?? TimeSpan.FromSeconds(10));
}
