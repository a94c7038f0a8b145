using HealthService.Lifecycle;

namespace HealthService.Pipeline;

/// <summary>What <c>/health</c> answers; the one verdict that the details view, metrics and alerts also report.</summary>
public enum Readiness
{
    /// <summary><c>200 OK</c>: every critical probe is Healthy or Degraded in a fresh result.</summary>
    Ok,

    /// <summary><c>503 Unhealthy</c>: a critical probe failed.</summary>
    Unhealthy,

    /// <summary><c>503 Starting</c>: a critical probe has not completed yet.</summary>
    Starting,

    /// <summary><c>503 Draining</c>: the service is shutting down.</summary>
    Draining,

    /// <summary><c>503 Stale</c>: the loop's heartbeat or a critical result is older than <c>Health:MaxAge</c>.</summary>
    Stale,

    /// <summary><c>503 Maintenance</c>: an operator took the instance out of rotation for a while.</summary>
    Maintenance,
}

/// <summary>
/// The one readiness decision. Only health decides it: draining, maintenance, the loop's heartbeat, and the critical
/// probes' results and their ages. It reads a few fields and the clock, so <c>/health</c> answers in microseconds.
/// </summary>
/// <param name="interval">
/// <c>Health:Interval</c>, read on first use: the options are validated when the host starts, after the endpoints that
/// use this decision are mapped.
/// </param>
internal sealed class ReadinessDecision(HealthSnapshotStore store, DrainState drain, MaintenanceState maintenance, Lazy<TimeSpan> interval, TimeProvider time)
{
    // Retry-After values are written often during an incident: formatted once up to an hour (the longest interval and
    // drain fit), and on demand beyond, for a maintenance window of up to a day.
    private static readonly string[] Seconds = [.. Enumerable.Range(0, 3601).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The verdict now.</summary>
    public Readiness Current => Of(store.Current);

    /// <summary>
    /// Draining wins over everything; before the first snapshot the service is starting; a snapshot nobody has
    /// refreshed for too long means the loop is stuck, which is no basis for OK, and says so rather than blaming a probe.
    /// </summary>
    public Readiness Of(HealthSnapshot? snapshot) =>
        drain.IsDraining ? Readiness.Draining
        : maintenance.IsOn ? Readiness.Maintenance
        : snapshot is null ? Readiness.Starting
        : time.GetTimestamp() > snapshot.StaleAfterTimestamp ? Readiness.Stale
        : snapshot.AwaitsCritical ? Readiness.Starting
        : snapshot.IsReady ? Readiness.Ok
        : Readiness.Unhealthy;

    /// <summary>
    /// How long until <see cref="Of"/> can change on <paramref name="snapshot"/> with nothing else happening: the
    /// snapshot going stale, or a maintenance window running out. Null when time alone changes nothing; every other
    /// change comes with an event (a new snapshot, a drain, maintenance turned on or off).
    /// </summary>
    public TimeSpan? UntilChangeByTime(HealthSnapshot? snapshot)
    {
        var now = time.GetTimestamp();
        var next = long.MaxValue; // also what a snapshot that never goes stale says
        if (snapshot is not null && snapshot.StaleAfterTimestamp >= now && snapshot.StaleAfterTimestamp < long.MaxValue)
        {
            next = snapshot.StaleAfterTimestamp + 1; // stale once the clock is past it
        }

        if (maintenance.Current is { } window)
        {
            next = Math.Min(next, window.EndsAtTimestamp);
        }

        if (next == long.MaxValue)
        {
            return null;
        }

        // Rounded up to the next millisecond: a timer that fires a tick early would find nothing changed yet. At most
        // a day (MaxAge and maintenance windows are no longer), well within what a timer takes.
        var milliseconds = Math.Ceiling((next - now) * 1000.0 / time.TimestampFrequency) + 1;
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, TimeSpan.FromDays(1).TotalMilliseconds));
    }

    /// <summary>
    /// The <c>Retry-After</c> of a <c>503</c>: whole seconds, rounded up and at least 1, until the answer can next
    /// change. Draining: until the host stops; maintenance: until its window ends (up to a day); otherwise until the
    /// next round starts.
    /// </summary>
    public string RetryAfter(Readiness readiness, HealthSnapshot? snapshot)
    {
        var now = time.GetTimestamp();
        long until = readiness switch
        {
            Readiness.Draining => drain.EndsAtTimestamp,
            Readiness.Maintenance => maintenance.Current?.EndsAtTimestamp ?? 0,
            _ => snapshot is null ? 0 : snapshot.HeartbeatTimestamp + (long)(interval.Value.TotalSeconds * time.TimestampFrequency),
        };
        var seconds = until > now ? Math.Ceiling((until - now) / (double)time.TimestampFrequency) : Math.Ceiling(interval.Value.TotalSeconds);
        var whole = (long)Math.Max(seconds, 1);
        return whole < Seconds.Length ? Seconds[whole] : whole.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The word <c>/health</c> answers for <paramref name="readiness"/>.</summary>
    public static string Name(Readiness readiness) => readiness switch
    {
        Readiness.Ok => "OK",
        Readiness.Unhealthy => "Unhealthy",
        Readiness.Starting => "Starting",
        Readiness.Draining => "Draining",
        Readiness.Stale => "Stale",
        Readiness.Maintenance => "Maintenance",
        _ => readiness.ToString(),
    };
}
