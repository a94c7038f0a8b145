namespace HealthService.Lifecycle;

/// <summary>Whether the instance is draining: shutting down, but still serving while the load balancer lets go.</summary>
internal sealed class DrainState
{
    private int _draining;

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>Starts draining; true the first time only.</summary>
    public bool Begin() => Interlocked.Exchange(ref _draining, 1) == 0;
}
