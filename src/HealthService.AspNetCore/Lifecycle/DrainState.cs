namespace HealthService.Lifecycle;

/// <summary>Whether the instance is draining: shutting down, but still serving while the load balancer lets go.</summary>
internal sealed class DrainState
{
    private int _draining;
    private long _endsAt;

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>
    /// <see cref="TimeProvider.GetTimestamp"/> value at which the host starts stopping, or 0 when unknown (a stop that
    /// did not come through a drain signal).
    /// </summary>
    public long EndsAtTimestamp => Volatile.Read(ref _endsAt);

    /// <summary>
    /// Raised once, when draining begins: the readiness verdict changes without a new snapshot, and watchers of it
    /// (gRPC <c>Watch</c>) should hear at once rather than at the next round.
    /// </summary>
    public event Action? Began;

    /// <summary>Starts draining; true the first time only.</summary>
    public bool Begin()
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0)
        {
            return false;
        }

        Began?.Invoke();
        return true;
    }

    /// <summary>Starts draining until <paramref name="endsAtTimestamp"/>; true the first time only.</summary>
    public bool Begin(long endsAtTimestamp)
    {
        Interlocked.CompareExchange(ref _endsAt, endsAtTimestamp, 0);
        return Begin();
    }
}
