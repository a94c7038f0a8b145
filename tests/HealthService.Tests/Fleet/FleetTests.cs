using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Fleet;

/// <summary>
/// The fleet behind a real load balancer: HAProxy in front of three service processes on loopback, health-checking
/// <c>GET /health</c> as an ALB does (every 0.5 s, out after 2 failures, back after 2 passes), with steady client
/// traffic through it. Each test starts its own fleet; together they take well under a minute.
/// </summary>
public sealed class FleetTests
{
    /// <summary>Room for a busy machine on top of the computed reaction times.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    /// <summary>
    /// From a critical dependency failing to the instance out of rotation: the next evaluation round (one interval), its
    /// probe deadline, then <c>fall</c> failed checks after up to one check interval of phase.
    /// </summary>
    private static readonly TimeSpan LeaveBound = FleetInstance.Interval + FleetInstance.ProbeTimeout
        + HaproxyServer.CheckInterval * (HaproxyServer.Fall + 1) + Slack;

    /// <summary>From the dependency recovering to the instance back in rotation: the same with <c>rise</c> passed checks.</summary>
    private static readonly TimeSpan ReturnBound = FleetInstance.Interval + FleetInstance.ProbeTimeout
        + HaproxyServer.CheckInterval * (HaproxyServer.Rise + 1) + Slack;

    private static readonly TimeSpan ServeTimeout = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 90_000)]
    public async Task An_instance_whose_critical_dependency_fails_leaves_rotation_and_comes_back_after_recovery_with_no_client_error()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var fleet = await LoadBalancedFleet.StartAsync(cancel);
        await using var load = fleet.StartLoad();
        var loadStarted = await WaitUntilEveryInstanceServesAsync(fleet, load, cancel);

        var b = fleet["b"];
        var failedAt = fleet.Now;
        b.Dependency.Behavior = StubBehavior.Status(503, "down");
        await fleet.Balancer.WaitForStatusAsync("b", "DOWN", LeaveBound, cancel);
        var downAt = fleet.Now;

        // The instance itself says why: /health is 503 Unhealthy, its dependency probe failed, it still serves.
        using (var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            using var health = await direct.GetAsync(b.Url("/health"), cancel);
            Assert.Equal((503, "Unhealthy"), ((int)health.StatusCode, await health.Content.ReadAsStringAsync(cancel)));
            Assert.Equal(("Unhealthy", "Unhealthy"), await b.ProbeStatusAsync("http:dep", cancel));
            using var live = await direct.GetAsync(b.Url("/health/live"), cancel);
            Assert.Equal(200, (int)live.StatusCode);
        }

        // Out of rotation for several check intervals while its dependency stays down.
        await Task.Delay(HaproxyServer.CheckInterval * 4, cancel);
        Assert.Equal("DOWN", (await fleet.Balancer.ShowStatAsync("b", cancel)).Status);

        var recoveredAt = fleet.Now;
        b.Dependency.Behavior = StubBehavior.Status(200, "OK");
        await fleet.Balancer.WaitForStatusAsync("b", "UP", ReturnBound, cancel);
        var upAt = fleet.Now;
        await load.WaitForServedByAsync("b", upAt, 10, ServeTimeout, cancel);
        await load.StopAsync();

        var end = fleet.Now;
        var stats = await fleet.Balancer.ShowStatAsync(cancel);
        Report($"b's dependency failed at {failedAt.TotalSeconds:0.00} s; b out of rotation after {(downAt - failedAt).TotalSeconds:0.00} s "
            + $"(bound {LeaveBound.TotalSeconds:0.0} s); dependency back at {recoveredAt.TotalSeconds:0.00} s; b back in rotation after "
            + $"{(upAt - recoveredAt).TotalSeconds:0.00} s (bound {ReturnBound.TotalSeconds:0.0} s).\nClients: {load.Summary()}\nHAProxy:\n  "
            + string.Join("\n  ", stats));

        Assert.True(load.Failures.Count == 0, $"Clients saw errors: {load.Summary()}\n{fleet.Diagnostics()}");
        Assert.True(load.ServedBy("b", loadStarted, failedAt) > 0, load.Summary());

        // HAProxy sends b nothing from the moment it reports b down until the dependency is back (b cannot pass a check
        // before that), while a and c carry the load.
        Assert.Equal(0, load.ServedBy("b", downAt, recoveredAt));
        Assert.True(load.ServedBy("a", downAt, recoveredAt) > 0 && load.ServedBy("c", downAt, recoveredAt) > 0, load.Summary());

        // Back in rotation and serving, and every instance still serving.
        Assert.All(LoadBalancedFleet.Names, name => Assert.True(load.ServedBy(name, upAt, end) > 0, $"{name} served nothing after b came back. {load.Summary()}"));
    }

    [Fact(Timeout = 90_000)]
    public async Task A_rolling_restart_one_instance_at_a_time_loses_no_client_request()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var fleet = await LoadBalancedFleet.StartAsync(cancel);
        await using var load = fleet.StartLoad();
        await WaitUntilEveryInstanceServesAsync(fleet, load, cancel);

        var steps = new List<string>();
        var backInRotation = new Dictionary<string, TimeSpan>();
        foreach (var instance in fleet.Instances)
        {
            var name = instance.Name;
            var signalledAt = fleet.Now;
            instance.Process.Signal("TERM");

            // /health answers 503 Draining at once, so HAProxy takes the instance out of rotation while it still serves
            // (DrainDelay): no request is sent to it once its listener closes.
            await fleet.Balancer.WaitForStatusAsync(name, "DOWN", FleetInstance.DrainDelay + Slack, cancel);
            var downAt = fleet.Now;
            Assert.True(downAt - signalledAt < FleetInstance.DrainDelay,
                $"HAProxy took {name} out of rotation {(downAt - signalledAt).TotalSeconds:0.00} s after SIGTERM, not before the drain delay "
                + $"({FleetInstance.DrainDelay.TotalSeconds} s) had passed and its listener closed.\n{fleet.Diagnostics()}");

            var exitCode = await instance.Process.WaitForExitAsync(FleetInstance.DrainDelay + FleetInstance.ShutdownTimeout + Slack);
            var exitedAt = fleet.Now;
            Assert.True(exitCode == 0, $"{name} exited with {exitCode}.\n{instance.Diagnostics()}");

            await instance.StartAgainAsync();
            await fleet.Balancer.WaitForStatusAsync(name, "UP", LoadBalancedFleet.StartTimeout, cancel);
            var upAt = fleet.Now;
            backInRotation[name] = upAt;
            steps.Add($"{name}: SIGTERM at {signalledAt.TotalSeconds:0.00} s, out of rotation after {(downAt - signalledAt).TotalSeconds:0.00} s "
                + $"(served {load.ServedBy(name, signalledAt, downAt)} requests while draining), exited 0 after "
                + $"{(exitedAt - signalledAt).TotalSeconds:0.00} s, restarted and back in rotation after {(upAt - exitedAt).TotalSeconds:0.00} s");
        }

        foreach (var (name, upAt) in backInRotation)
        {
            await load.WaitForServedByAsync(name, upAt, 10, ServeTimeout, cancel);
        }

        await load.StopAsync();
        var backend = await fleet.Balancer.ShowStatAsync("BACKEND", cancel);
        Report($"{string.Join('\n', steps)}\nClients: {load.Summary()}\nHAProxy: {backend}");

        Assert.True(load.Failures.Count == 0, $"Clients saw errors: {load.Summary()}\n{fleet.Diagnostics()}");
    }

    [Fact(Timeout = 90_000)]
    public async Task A_shared_non_critical_dependency_failing_keeps_every_instance_in_rotation()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var fleet = await LoadBalancedFleet.StartAsync(cancel);
        await using var load = fleet.StartLoad();
        await WaitUntilEveryInstanceServesAsync(fleet, load, cancel);

        var before = (await fleet.Balancer.ShowStatAsync(cancel)).ToDictionary(s => s.Name);
        var failedAt = fleet.Now;
        fleet.SharedDependency.Behavior = StubBehavior.Status(503, "down");

        // Every instance sees the failure (so the test is not passing because nobody looked) and stays ready.
        foreach (var instance in fleet.Instances)
        {
            await WaitForProbeAsync(instance, "http:shared", "Unhealthy", LeaveBound, cancel);
            Assert.Equal(("Unhealthy", "OK"), await instance.ProbeStatusAsync("http:shared", cancel));
        }

        // For eight check intervals, HAProxy keeps all three in rotation at every look, and each keeps serving.
        var watchFrom = fleet.Now;
        var watchUntil = watchFrom + HaproxyServer.CheckInterval * 8;
        var samples = 0;
        while (fleet.Now < watchUntil)
        {
            var stats = await fleet.Balancer.ShowStatAsync(cancel);
            Assert.All(LoadBalancedFleet.Names, name => Assert.StartsWith("UP", stats.Single(s => s.Name == name).Status, StringComparison.Ordinal));
            samples++;
            await Task.Delay(100, cancel);
        }

        var watchedUntil = fleet.Now;
        await load.StopAsync();
        var after = await fleet.Balancer.ShowStatAsync(cancel);
        Report($"Shared dependency failed at {failedAt.TotalSeconds:0.00} s; every instance reported it Unhealthy by {watchFrom.TotalSeconds:0.00} s; "
            + $"{samples} looks at HAProxy until {watchedUntil.TotalSeconds:0.00} s.\nClients: {load.Summary()}\nHAProxy:\n  " + string.Join("\n  ", after));

        Assert.True(load.Failures.Count == 0, $"Clients saw errors: {load.Summary()}\n{fleet.Diagnostics()}");
        foreach (var name in LoadBalancedFleet.Names)
        {
            var server = after.Single(s => s.Name == name);
            Assert.Equal("UP", server.Status);
            Assert.True(server.Downs == before[name].Downs, $"{name} left rotation: {server}");
            Assert.True(load.ServedBy(name, watchFrom, watchedUntil) > 0, $"{name} served nothing while the shared dependency was down. {load.Summary()}");
        }
    }

    /// <summary>Waits until the client load has reached every instance through HAProxy; returns when the load started.</summary>
    private static async Task<TimeSpan> WaitUntilEveryInstanceServesAsync(LoadBalancedFleet fleet, ClientLoad load, CancellationToken cancel)
    {
        var since = fleet.Now;
        foreach (var name in LoadBalancedFleet.Names)
        {
            await load.WaitForServedByAsync(name, since, 10, ServeTimeout, cancel);
        }

        return since;
    }

    private static async Task WaitForProbeAsync(FleetInstance instance, string probe, string status, TimeSpan timeout, CancellationToken cancel)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var last = ("(no answer)", "");
        while (waited.Elapsed < timeout)
        {
            try
            {
                last = await instance.ProbeStatusAsync(probe, cancel);
                if (last.Item1 == status)
                {
                    return;
                }
            }
            catch (Exception ex) when (RequestFailure.IsTransport(ex) || ex is System.Text.Json.JsonException
                || (ex is TaskCanceledException && !cancel.IsCancellationRequested))
            {
                last = (ex.GetType().Name, ex.Message); // asked again below
            }

            await Task.Delay(50, cancel);
        }

        Assert.Fail($"Instance {instance.Name} did not report {probe} {status} within {timeout} (last: {last}).\n{instance.Diagnostics()}");
    }

    private static void Report(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
