namespace HealthService.Lifecycle;

/// <summary>
/// Maintenance mode: an operator takes the instance out of rotation without stopping it, for a bounded time. It
/// lives in memory only, so a restart clears it; it ends by itself when its time-to-live runs out.
/// </summary>
internal sealed class MaintenanceState(TimeProvider time)
{
    /// <summary>The shortest and longest time-to-live an operator may ask for.</summary>
    public static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinTtl"/>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromHours(24);

    /// <summary>The time-to-live when none is given.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

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
        var window = new Window(reason, by, time.GetUtcNow(), time.GetUtcNow() + ttl, time.GetTimestamp() + (long)(ttl.TotalSeconds * time.TimestampFrequency));
        Volatile.Write(ref _window, window);
        Changed?.Invoke();
        return window;
    }

    /// <summary>Ends <paramref name="window"/> if it is still the one in force (not replaced or turned off meanwhile).</summary>
    public bool EndIfCurrent(Window window)
    {
        if (Interlocked.CompareExchange(ref _window, null, window) != window)
        {
            return false;
        }

        Changed?.Invoke();
        return true;
    }

    /// <summary>Ends the window in force; returns it, or null when there was none.</summary>
    public Window? TurnOff()
    {
        var current = Current;
        Volatile.Write(ref _window, null);
        Changed?.Invoke();
        return current;
    }

    /// <param name="Reason">What the operator said it is for.</param>
    /// <param name="By">The right it was turned on with: <c>local</c> (the local listener) or <c>maintenance key</c>.</param>
    internal sealed record Window(string Reason, string By, DateTimeOffset Since, DateTimeOffset Until, long EndsAtTimestamp);
}
