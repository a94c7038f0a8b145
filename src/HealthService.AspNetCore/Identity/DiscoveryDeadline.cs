namespace HealthService.Identity;

/// <summary>
/// The time discovery may take: <see cref="PerRequest"/> for each request, and <see cref="Total"/> for all of them,
/// measured from its creation. Each request gets whichever ends first, so a failure says which deadline it met.
/// </summary>
internal sealed class DiscoveryDeadline(TimeProvider time, TimeSpan perRequest, TimeSpan total)
{
    private readonly long _start = time.GetTimestamp();

    public TimeProvider Time => time;

    public TimeSpan PerRequest => perRequest;

    public TimeSpan Total => total;

    public TimeSpan Remaining => total - time.GetElapsedTime(_start);

    /// <summary>
    /// Timers and the clock disagree by up to a few milliseconds: a request timed out "after 1 s" may have taken
    /// 0.999 s by the clock. A request whose own timeout would end this close to the total deadline meets the total.
    /// </summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(20);

    /// <summary>The next request's timeout, and how its failure reads when it passes.</summary>
    public (TimeSpan Timeout, string Failure) Next()
    {
        var remaining = Remaining;
        return remaining <= perRequest + TimerSlack
            ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, $"timed out at the {Seconds(total)} s deadline")
            : (perRequest, $"timed out after {Seconds(perRequest)} s");
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
