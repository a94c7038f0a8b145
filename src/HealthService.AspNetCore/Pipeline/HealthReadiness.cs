using HealthService.Lifecycle;

namespace HealthService.Pipeline;

/// <summary>
/// The readiness verdict that <c>/health</c> answers, and a way to wait for it to change. Resolve it from the
/// application's services after <c>AddHealthService</c>: the gRPC health service and the alerts read it, so every
/// view of readiness agrees with <c>/health</c>.
/// </summary>
/// <remarks>
/// A change is noticed whatever its cause: a round published, a drain begun, maintenance turned on or off, and time
/// alone (a result going stale, even when the loop is stuck and publishes nothing, or a maintenance window running
/// out). Nothing is computed here: each wake-up asks the one decision again, so a watcher and <c>/health</c> never
/// disagree. Costs nothing while nobody waits: the signal is made only when a watcher asks for one.
/// </remarks>
public sealed class HealthReadiness : IHealthSnapshotListener
{
    private readonly HealthSnapshotStore _store;
    private readonly ReadinessDecision _decision;
    private readonly TimeProvider _time;
    private TaskCompletionSource? _signal;

    internal HealthReadiness(HealthSnapshotStore store, ReadinessDecision decision, DrainState drain, MaintenanceState maintenance, TimeProvider time)
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

    /// <summary>The word <c>/health</c> answers now: <c>OK</c>, <c>Unhealthy</c>, <c>Starting</c>, <c>Draining</c>, ...</summary>
    public string CurrentWord => Word(Current);

    /// <summary>The word <c>/health</c> answers for <paramref name="readiness"/>.</summary>
    public static string Word(Readiness readiness) => ReadinessDecision.Name(readiness);

    /// <summary>
    /// Waits until the verdict is no longer <paramref name="seen"/>, and returns the new one. Continuations run on
    /// the thread pool.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Readiness> WaitForChangeAsync(Readiness seen, CancellationToken cancellationToken)
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

    void IHealthSnapshotListener.OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness) => Signal();

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
