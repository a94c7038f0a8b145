using HealthService.Lifecycle;

namespace HealthService.Pipeline;

/// <summary>
/// Tells a watcher when the readiness verdict changes, whatever the cause: a snapshot published (the signal alerts
/// and metrics follow, <see cref="IHealthSnapshotListener"/>), a drain begun, maintenance turned on or off, and time
/// alone: a snapshot going stale, even when the loop is stuck and publishes nothing, or a maintenance window running
/// out. It computes nothing of its own: each wake-up asks <see cref="ReadinessDecision"/> again, so a watcher and
/// <c>/health</c> never disagree.
/// </summary>
/// <remarks>
/// Costs nothing while nobody waits: the signal is made only when a watcher asks for one.
/// </remarks>
internal sealed class ReadinessChanges : IHealthSnapshotListener
{
    private readonly HealthSnapshotStore _store;
    private readonly ReadinessDecision _decision;
    private readonly TimeProvider _time;
    private TaskCompletionSource? _signal;

    public ReadinessChanges(HealthSnapshotStore store, ReadinessDecision decision, DrainState drain, MaintenanceState maintenance, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(drain);
        ArgumentNullException.ThrowIfNull(maintenance);
        _store = store;
        _decision = decision;
        _time = time;
        drain.Began += Signal;
        maintenance.Changed += Signal;
    }

    /// <summary>The verdict now, as <c>/health</c> would answer it.</summary>
    public Readiness Current => _decision.Current;

    /// <summary>Waits until the verdict is no longer <paramref name="seen"/>, and returns the new one.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Readiness> NextAsync(Readiness seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the state is read: a change made in between completes it, so none is missed.
            var signal = Pending();
            var snapshot = _store.Current;
            var now = _decision.Of(snapshot);
            if (now != seen)
            {
                return now;
            }

            try
            {
                await (_decision.UntilChangeByTime(snapshot) is { } delay
                    ? signal.WaitAsync(delay, _time, cancellationToken)
                    : signal.WaitAsync(cancellationToken)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The moment the verdict could change by time alone: ask again.
            }
        }
    }

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness) => Signal();

    private Task Pending()
    {
        var signal = Volatile.Read(ref _signal);
        if (signal is not null)
        {
            return signal.Task;
        }

        // Continuations run on the thread pool, never on the loop's thread or a request's.
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _signal, created, null) ?? created).Task;
    }

    private void Signal() => Interlocked.Exchange(ref _signal, null)?.TrySetResult();
}
