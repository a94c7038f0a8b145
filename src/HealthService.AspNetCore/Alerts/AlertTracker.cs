using HealthService.Identity;
using HealthService.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace HealthService.Alerts;

/// <summary>
/// Decides when to alert. It compares each snapshot's <see cref="AlertState"/> with the last state sent; a difference
/// is sent at once unless a cool-down is running, in which case it waits for the end of the cool-down and the state
/// of that moment is sent if it still differs. So a flapping probe costs at most one event per cool-down, and the
/// last state (the recovery that ends an incident) always goes out, at most one cool-down late.
/// </summary>
/// <remarks>
/// Called on the evaluation loop's thread, by <see cref="ReadinessChangeWatcher"/> when readiness changes without a
/// publish (staleness, maintenance, a drain), and on a timer's: all only compare and enqueue, under one lock. The
/// verdict is judged under that lock too: the loop judges a publish before it tells the listeners, and the watcher
/// may tell a newer verdict in between, so a verdict brought in would arrive after a newer one.
/// </remarks>
internal sealed class AlertTracker : IHealthSnapshotListener, IReadinessChangeListener, IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _coolDown;
    private readonly string _service;
    private readonly string _instance;
    private InstanceIdentity? _identity;
    private bool _awaitingIdentity;
    private readonly TimeProvider _time;
    private readonly Action<AlertEvent> _send;
    private readonly Func<(HealthSnapshot Snapshot, Readiness Readiness)?>? _verdictNow;
    private readonly ILogger _logger;
    private AlertState? _lastSent;
    private AlertState? _latest;
    private ITimer? _coolDownTimer;
    private bool _coolingDown;
    private bool _disposed;

    /// <param name="send">Queues an event for delivery; it must not block.</param>
    /// <param name="identity">
    /// The discovered identity, when there is one: events name it. Until it is known, events are held back as during a
    /// cool-down, and the state of that moment goes out when it is; discovery ends within seconds of start, whatever
    /// the metadata services do. Waiting rather than sending the host name meanwhile: the first event of an instance
    /// that starts broken is the one that most needs to say which instance it is, and a container's host name says
    /// nothing.
    /// </param>
    /// <param name="verdictNow">
    /// The latest snapshot and the verdict on it now, as <c>/health</c> judges it (null before the first snapshot).
    /// When given, every call is judged by it, under the lock, whatever the caller brings: verdicts are then sent in
    /// the order they were judged, each of a later moment than the one before, so a receiver is never told an older
    /// verdict after a newer one. Without it (the unit tests), the caller's verdict is taken as it is.
    /// </param>
    public AlertTracker(AlertOptions options, TimeProvider time, Action<AlertEvent> send, ILogger<AlertTracker>? logger = null,
        Task<InstanceIdentity>? identity = null, Func<(HealthSnapshot Snapshot, Readiness Readiness)?>? verdictNow = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _coolDown = options.CoolDown;
        _service = options.Service;
        _instance = options.Instance ?? Environment.MachineName;
        _time = time;
        _send = send;
        _verdictNow = verdictNow;
        _logger = logger ?? NullLogger<AlertTracker>.Instance;
        if (identity is not null)
        {
            _awaitingIdentity = true;
            identity.ContinueWith(static (known, tracker) => ((AlertTracker)tracker!).OnIdentityKnown(known), this,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
    {
        lock (_gate)
        {
            if (_verdictNow is null)
            {
                Observe(current, readiness);
            }
            else if (_verdictNow() is { } now)
            {
                Observe(now.Snapshot, now.Readiness);
            }
        }
    }

    /// <summary>The verdict changed without a publish (staleness, maintenance, a drain): judged now, under the lock.</summary>
    public void OnReadinessChanged()
    {
        lock (_gate)
        {
            if (_verdictNow?.Invoke() is { } now)
            {
                Observe(now.Snapshot, now.Readiness);
            }
        }
    }

    /// <summary>Takes in a verdict and sends it if it is news. Under the lock.</summary>
    private void Observe(HealthSnapshot current, Readiness readiness)
    {
        // Starting is no news yet. A drain is a planned stop (every deploy has one per instance), not an incident: no
        // news, unless receivers were last told the instance is not ready. Then whoever handles that incident learns
        // the instance is going away rather than hearing nothing more from it.
        if (_disposed || readiness is Readiness.Starting || (readiness is Readiness.Draining && _lastSent?.IsReady != false))
        {
            return;
        }

        // A state that lasts keeps the time it was first seen; its reasons are the latest.
        var state = AlertState.From(current, readiness);
        if (state.SameAs(_latest))
        {
            state = state with { ObservedAt = _latest!.ObservedAt };
        }

        _latest = state;
        if (_lastSent is null && state.IsReady)
        {
            _lastSent = state; // the baseline: starting ready is no news
            return;
        }

        if (!_coolingDown && !_awaitingIdentity && !state.SameAs(_lastSent))
        {
            SendLatest();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _coolDownTimer?.Dispose();
        }
    }

    private void OnIdentityKnown(Task<InstanceIdentity> known)
    {
        try
        {
            lock (_gate)
            {
                _identity = known.IsCompletedSuccessfully ? known.Result : null;
                _awaitingIdentity = false;
                if (!_disposed && !_coolingDown && _latest is not null && !_latest.SameAs(_lastSent))
                {
                    SendLatest();
                }
            }
        }
#pragma warning disable CA1031 // An exception escaping a continuation nobody observes would be lost; report it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.SnapshotListenerFailed(nameof(AlertTracker), ex);
        }
    }

    private void OnCoolDownEnded()
    {
        try
        {
            lock (_gate)
            {
                _coolingDown = false;
                if (!_disposed && !_awaitingIdentity && _latest is not null && !_latest.SameAs(_lastSent))
                {
                    SendLatest();
                }
            }
        }
#pragma warning disable CA1031 // An exception escaping a timer callback would end the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.SnapshotListenerFailed(nameof(AlertTracker), ex);
        }
    }

    /// <summary>Sends the latest state as a change from the last one sent and starts a cool-down. Under the lock.</summary>
    private void SendLatest()
    {
        var latest = _latest!;
        _send(latest.EventSince(_lastSent, _service, _identity?.Id ?? _instance) with { InstanceInfo = _identity });
        _lastSent = latest;
        if (_coolDown > TimeSpan.Zero)
        {
            _coolingDown = true;
            _coolDownTimer ??= _time.CreateTimer(static tracker => ((AlertTracker)tracker!).OnCoolDownEnded(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _coolDownTimer.Change(_coolDown, Timeout.InfiniteTimeSpan);
        }
    }
}
