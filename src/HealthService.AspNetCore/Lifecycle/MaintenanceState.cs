using Microsoft.Extensions.Logging.Abstractions;

namespace HealthService.Lifecycle;

/// <summary>
/// Maintenance mode: an operator takes the instance out of rotation without stopping it, for a bounded time. It
/// lives in memory only, so a restart clears it; it ends by itself when its time-to-live runs out.
/// </summary>
/// <remarks>
/// One window is in force at a time, and each has exactly one timer, for its end. Every change swaps the window
/// atomically, so that whoever takes a window out (turned off, replaced, or its timer) is the only one to end it:
/// a turn-off racing a turn-on ends either the old window or the new one, and says which, never the old one while
/// the new one silently disappears. Taking a window out cancels its timer.
/// </remarks>
internal sealed class MaintenanceState(TimeProvider time, ILogger<MaintenanceState>? logger = null) : IDisposable
{
    /// <summary>The shortest and longest time-to-live an operator may ask for.</summary>
    public static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinTtl"/>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromHours(24);

    /// <summary>The time-to-live when none is given.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private Window? _window;

    /// <summary>The maintenance window in force now, or null.</summary>
    public Window? Current => Volatile.Read(ref _window) is { } window && time.GetTimestamp() < window.EndsAtTimestamp ? window : null;

    public bool IsOn => Current is not null;

    /// <summary>
    /// Raised when a window starts or is ended (turned off, or cleared after its time-to-live): the readiness verdict
    /// changes without a new snapshot. A window stops counting at <see cref="Window.EndsAtTimestamp"/> whether or not
    /// it has been cleared yet, so a watcher also wakes at that time by itself.
    /// </summary>
    public event Action? Changed;

    /// <summary>Starts (or replaces) a window of <paramref name="ttl"/> from now.</summary>
    public Window TurnOn(string reason, TimeSpan ttl, string by)
    {
        var now = time.GetUtcNow();
        var window = new Window(reason, by, now, now + ttl, time.GetTimestamp() + (long)(ttl.TotalSeconds * time.TimestampFrequency));
        Retire(Interlocked.Exchange(ref _window, window));

        // Armed once in force: a timer that fired before would find nothing to end, and the window would have none.
        window.Arm(time.CreateTimer(_ => Expire(window), null, ttl, Timeout.InfiniteTimeSpan));
        Changed?.Invoke();
        return window;
    }

    /// <summary>Ends the window in force; returns it, or null when there was none (or it had already run out).</summary>
    public Window? TurnOff()
    {
        if (Interlocked.Exchange(ref _window, null) is not { } ended)
        {
            return null;
        }

        var expired = Retire(ended);
        Changed?.Invoke();
        return expired ? null : ended;
    }

    /// <summary>Cancels the pending timer, if any, when the host stops.</summary>
    public void Dispose() => Volatile.Read(ref _window)?.Disarm();

    /// <summary>The timer of <paramref name="window"/>: ends it if it is still the one in force.</summary>
    private void Expire(Window window)
    {
        window.Disarm();
        if (Interlocked.CompareExchange(ref _window, null, window) == window)
        {
            _logger.MaintenanceEnded("expired", window.Reason);
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Cancels the timer of a window just taken out of force, and, when its time-to-live had already run out (its
    /// timer was due but had not yet run), logs that it expired: whoever takes a window out is the one to say how it
    /// ended. Returns whether it had run out.
    /// </summary>
    private bool Retire(Window? window)
    {
        if (window is null)
        {
            return false;
        }

        window.Disarm();
        if (time.GetTimestamp() < window.EndsAtTimestamp)
        {
            return false;
        }

        _logger.MaintenanceEnded("expired", window.Reason);
        return true;
    }

    /// <summary>A maintenance window. A class, not a record: windows are told apart by identity, never by value.</summary>
    /// <param name="reason">What the operator said it is for.</param>
    /// <param name="by">The right it was turned on with: <c>local</c> (the local listener) or <c>maintenance key</c>.</param>
    /// <param name="since">When it started.</param>
    /// <param name="until">When it ends by itself.</param>
    /// <param name="endsAtTimestamp">When it ends, on the monotonic clock.</param>
    internal sealed class Window(string reason, string by, DateTimeOffset since, DateTimeOffset until, long endsAtTimestamp)
    {
        private ITimer? _timer;

        /// <summary>What the operator said it is for.</summary>
        public string Reason { get; } = reason;

        /// <summary>The right it was turned on with: <c>local</c> or <c>maintenance key</c>.</summary>
        public string By { get; } = by;

        public DateTimeOffset Since { get; } = since;

        public DateTimeOffset Until { get; } = until;

        public long EndsAtTimestamp { get; } = endsAtTimestamp;

        /// <summary>Keeps <paramref name="timer"/> as this window's one timer, or cancels it when the window has already ended.</summary>
        public void Arm(ITimer timer)
        {
            if (Interlocked.CompareExchange(ref _timer, timer, null) is not null)
            {
                timer.Dispose();
            }
        }

        /// <summary>Cancels the timer, now or, when it is not armed yet, as it is armed.</summary>
        public void Disarm() => Interlocked.Exchange(ref _timer, Disarmed.Instance)?.Dispose();
    }

    /// <summary>Stands for a cancelled timer, so that one armed later is cancelled at once.</summary>
    private sealed class Disarmed : ITimer
    {
        public static readonly Disarmed Instance = new();

        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
