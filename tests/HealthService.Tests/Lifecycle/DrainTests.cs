using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Lifecycle;

/// <summary>Graceful drain, tested on the real built process with real signals.</summary>
public sealed class DrainTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private sealed record Observation(TimeSpan At, string Path, int Status, string Body, string? Failure);

    [Theory]
    [InlineData("TERM")] // orchestrators: docker stop, ECS, Auto Scaling
    [InlineData("INT")] // Ctrl+C in a terminal
    public async Task On_SIGTERM_or_SIGINT_health_drains_at_once_everything_else_is_served_for_the_drain_delay_then_the_process_exits_0(string signal)
    {
        var drainDelay = TimeSpan.FromSeconds(2);
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__DrainDelay"] = "00:00:02",
            // Long, so that a stop that waits for it (something holding the host up) is told apart from a loaded machine.
            ["Health__ShutdownTimeout"] = "00:00:20",
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);

        // A steady stream of requests on fresh connections, so that every failure is a real one.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.ConnectionClose = true;
        var clock = Stopwatch.StartNew();
        var observations = new ConcurrentQueue<Observation>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var workers = new[] { "/health", "/health/live", "/health", "/not-a-page" }.Select(path => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && !service.HasExited)
            {
                var at = clock.Elapsed;
                try
                {
                    var response = await client.GetAsync(path, stop.Token);
                    observations.Enqueue(new(at, path, (int)response.StatusCode, await response.Content.ReadAsStringAsync(stop.Token), null));
                }
                catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    observations.Enqueue(new(at, path, 0, "", "refused"));
                    return; // the listener is gone: the process is stopping
                }
                catch (Exception ex) when (RequestFailure.IsTransport(ex) || (ex is TaskCanceledException && !stop.IsCancellationRequested))
                {
                    // Recorded with its time, not thrown: the assertions below say which failures the stop explains.
                    observations.Enqueue(new(at, path, 0, "", RequestFailure.Describe(ex)));
                }

                await Task.Delay(5, CancellationToken.None);
            }
        })).ToArray();

        await Task.Delay(500, TestContext.Current.CancellationToken);
        var signalled = clock.Elapsed;
        service.Signal(signal);
        // From the moment the service has said it drains, every /health request sent must be answered Draining: the
        // state changes before the line is written.
        await service.WaitForOutputAsync("\"DrainStarted\"", TimeSpan.FromSeconds(10));
        var drainSeen = clock.Elapsed;
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var exited = clock.Elapsed - signalled;
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        // The whole drain delay is served, then the host stops without waiting for its shutdown timeout (20 s).
        Assert.Equal(0, exitCode);
        Assert.InRange(exited, drainDelay, drainDelay + TimeSpan.FromSeconds(10));

        // Until the drain delay has passed every request is answered. A request sent as the listener closes may be
        // reset before the server ever accepted it (the kernel's backlog): that is the stop itself, not a request
        // the service dropped.
        var all = observations.OrderBy(o => o.At).ToList();
        var stopsAt = signalled + drainDelay;
        Assert.Empty(all.Where(o => o.Failure is not null && o.At < stopsAt - TimeSpan.FromMilliseconds(50)).Select(o => $"{o.Path} at {o.At}: {o.Failure}"));

        // /health: OK until the signal; Draining at once, long before the drain delay is over (the signal's
        // handler sets it: a drain that began only when the host stops would show at the end); and from the moment
        // the service said so, Draining to every request.
        var health = all.Where(o => o.Path == "/health" && o.Failure is null).ToList();
        Assert.Contains(health, o => o.At < signalled && o.Status == 200);
        var firstDraining = health.First(o => o.Status == 503);
        Assert.Equal("Draining", firstDraining.Body);
        Assert.True(firstDraining.At - signalled < drainDelay / 2, $"Draining first answered {(firstDraining.At - signalled).TotalMilliseconds} ms after the signal");
        var sentAfterDrain = health.Where(o => o.At > drainSeen).ToList();
        Assert.NotEmpty(sentAfterDrain);
        Assert.All(sentAfterDrain, o => Assert.Equal((503, "Draining"), (o.Status, o.Body)));

        // Everything else is served normally until the drain delay has passed.
        var live = all.Where(o => o.Path == "/health/live" && o.Failure is null).ToList();
        Assert.All(live, o => Assert.Equal(200, o.Status));
        Assert.Contains(live, o => o.At - signalled >= drainDelay * 0.9);
        Assert.Contains(all, o => o.Path == "/not-a-page" && o.Status == 404 && o.At - signalled >= drainDelay * 0.9);
    }

    [Fact]
    public async Task A_second_signal_stops_the_process_at_once()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__DrainDelay"] = "00:00:30",
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);

        service.Signal("TERM");
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 503, TimeSpan.FromSeconds(5));
        var second = Stopwatch.StartNew();
        service.Signal("INT");
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exitCode);
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(3), $"exited {second.Elapsed} after the second signal");
        await service.WaitForOutputAsync("\"StoppingNow\"", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_hung_probe_does_not_delay_shutdown()
    {
        var check = new ControllableHealthCheck();
        var factory = new HealthServiceFactory().With("Health:ShutdownTimeout", "00:00:02").WithCheck("hangs", check);
        await factory.WaitForStatusAsync(200, "OK");
        check.Mode = ProbeMode.Hang;
        await factory.WaitForStatusAsync(503, "Unhealthy");

        var stopping = Stopwatch.StartNew();
        await factory.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(2), $"shutdown took {stopping.Elapsed}");
        check.ReleaseHung();
    }
}
