namespace HealthService.History;

/// <summary>
/// <c>Health:History</c>: how much of the recent past <c>/health/history</c> and <c>/health/ui</c> show. Kept in memory
/// only and lost on restart by design: the durable record is the logs and the metrics.
/// </summary>
public sealed class HistoryOptions
{
    /// <summary>The default of <see cref="Window"/>.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);

    /// <summary>The default of <see cref="MaxEntries"/>: one result a second over the default window.</summary>
    public const int DefaultMaxEntries = 3600;

    /// <summary>How far back the history reaches: 1 minute to 1 day (default 1 hour).</summary>
    public TimeSpan Window { get; set; } = DefaultWindow;

    /// <summary>
    /// The most results kept for each probe, and the most readiness transitions kept: 10-100000 (default 3600). The
    /// oldest go first when a probe runs more often than this many times per window, so memory stays bounded
    /// whatever the intervals: 32 bytes a result, and a transition about 100 bytes plus its reason.
    /// </summary>
    public int MaxEntries { get; set; } = DefaultMaxEntries;
}
