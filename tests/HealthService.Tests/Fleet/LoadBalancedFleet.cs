using System.Diagnostics;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Fleet;

/// <summary>
/// Three instances of the built service on loopback behind a real HAProxy that health-checks <c>GET /health</c> as an
/// ALB does (<see cref="HaproxyServer"/>). Each instance has its own critical dependency; all three share one
/// non-critical dependency. <see cref="StartAsync"/> returns once HAProxy has every instance in rotation.
/// </summary>
internal sealed class LoadBalancedFleet : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Names = ["a", "b", "c"];

    /// <summary>The bound on a process start (three at once, on a busy 2-core machine).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<FleetInstance> _instances = [];

    private LoadBalancedFleet(StubHttpServer shared)
    {
        SharedDependency = shared;
    }

    /// <summary>The dependency every instance probes as <c>http:shared</c>, non-critical.</summary>
    public StubHttpServer SharedDependency { get; }

    public IReadOnlyList<FleetInstance> Instances => _instances;

    public HaproxyServer Balancer { get; private set; } = null!;

    /// <summary>The fleet's clock, shared with the client load so that its records line up with the test's steps.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public FleetInstance this[string name] => _instances.Single(i => i.Name == name);

    public static async Task<LoadBalancedFleet> StartAsync(CancellationToken cancellationToken)
    {
        var fleet = new LoadBalancedFleet(StubHttpServer.Start());
        try
        {
            foreach (var name in Names)
            {
                fleet._instances.Add(FleetInstance.Start(name, fleet.SharedDependency));
            }

            await Task.WhenAll(fleet._instances.Select(i => i.WaitUntilReadyAsync(StartTimeout, cancellationToken)));

            // Started only now, as a load balancer gets targets registered once they are up.
            fleet.Balancer = await HaproxyServer.StartAsync([.. fleet._instances.Select(i => (i.Name, i.Port))], cancellationToken);
            foreach (var name in Names)
            {
                await fleet.Balancer.WaitUntilAsync(name, s => s is { Status: "UP", CheckStatus: "L7OK" }, "UP after a passed check",
                    HaproxyServer.CheckInterval * (HaproxyServer.Rise + 1) + TimeSpan.FromSeconds(5), cancellationToken);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts steady client traffic through HAProxy.</summary>
    public ClientLoad StartLoad() => new(Balancer.Url(), () => Now);

    /// <summary>HAProxy's configuration and output and each instance's last output, for failure messages.</summary>
    public string Diagnostics() =>
        string.Join("\n\n", [Balancer?.Diagnostics() ?? "HAProxy not started", .. _instances.Select(i => i.Diagnostics())]);

    public async ValueTask DisposeAsync()
    {
        if (Balancer is not null)
        {
            await Balancer.DisposeAsync();
        }

        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await SharedDependency.DisposeAsync();
    }
}
