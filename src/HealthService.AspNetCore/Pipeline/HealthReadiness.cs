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
/// disagree. Costs nothing while nobody waits: the signal is made only when a watcher asks for one, and the ready
/// answer is kept only while someone waits for it to flip.
/// </remarks>
public sealed class HealthReadiness : IHealthSnapshotListener
{
    private readonly HealthSnapshotStore _store;
    private readonly ReadinessDecision _decision;
    private readonly TimeProvider _time;
    private TaskCompletionSource? _signal;
    private long _wakeUps;

    // Whether the verdict is OK, kept up to date only while someone waits for it to flip: every event and the one
    // timer below ask the decision once, and wake the waiters only when the answer flips.
    private readonly Lock _readyGate = new();
    private int _readyWaiters;
    private bool _ready;
    private TaskCompletionSource<bool> _readyFlipped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _readyTimer;

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

    /// <summary>How many times a waiter has been woken, by either wait: what each change costs every watcher.</summary>
    internal long WakeUps => Interlocked.Read(ref _wakeUps);

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

            Interlocked.Increment(ref _wakeUps);
        }
    }

    /// <summary>
    /// Waits until whether the verdict is <see cref="Readiness.Ok"/> (whether <c>/health</c> answers <c>200</c>) is no
    /// longer <paramref name="ready"/>, and returns the new answer. Unlike <see cref="WaitForChangeAsync"/>, the caller
    /// is woken only then: a round, a drain, maintenance or time that keeps the answer wakes no waiter, however many
    /// there are, so a watcher that reports only ready or not costs nothing between changes. Continuations run on the
    /// thread pool.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<bool> WaitForReadyChangeAsync(bool ready, CancellationToken cancellationToken)
    {
        Task<bool> flipped;
        lock (_readyGate)
        {
            _readyWaiters++;
            RefreshReady();
            if (_ready != ready)
            {
                LeaveReadyWait();
                return _ready;
            }

            flipped = _readyFlipped.Task;
        }

        try
        {
            // The answer as it flipped, even if it has flipped back since: the caller then hears both flips, as
            // its next wait returns at once.
            var now = await flipped.WaitAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _wakeUps);
            return now;
        }
        finally
        {
            lock (_readyGate)
            {
                LeaveReadyWait();
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

    private void Signal()
    {
        Interlocked.Exchange(ref _signal, null)?.TrySetResult();
        RefreshReadyIfAwaited();
    }

    private void RefreshReadyIfAwaited()
    {
        lock (_readyGate)
        {
            if (_readyWaiters > 0)
            {
                RefreshReady();
            }
        }
    }

    /// <summary>Asks the decision, flips <see cref="_ready"/> if the answer did, and sets the timer. Under the gate.</summary>
    private void RefreshReady()
    {
        var snapshot = _store.Current;
        var ready = _decision.Of(snapshot) == Readiness.Ok;
        if (ready != _ready)
        {
            _ready = ready;
            var flipped = _readyFlipped;
            _readyFlipped = new(TaskCreationOptions.RunContinuationsAsynchronously);
            flipped.TrySetResult(ready);
        }

        // One timer for every waiter, for the changes time alone makes (a result going stale, a maintenance window
        // running out); each event above sets it again for the new state.
        if (_readyTimer is null)
        {
            // Made by whichever call waits first: it must not keep that call's context alive for the process's life.
            using (ExecutionContext.SuppressFlow())
            {
                _readyTimer = _time.CreateTimer(_ => RefreshReadyIfAwaited(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        _readyTimer.Change(_decision.UntilChangeByTime(snapshot) ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>One waiter fewer; with none left, the timer stops. Under the gate.</summary>
    private void LeaveReadyWait()
    {
        if (--_readyWaiters == 0)
        {
            _readyTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
