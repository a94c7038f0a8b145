using HealthService.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// The rules that tie a probe's deadline to the schedule: a result must arrive before the next round starts, and a
/// critical result must be renewed before it counts as stale.
/// </summary>
internal static class ProbeDeadlines
{
    /// <summary>A registration without a timeout of its own (zero or infinite) takes <c>Health:Timeout</c>.</summary>
    public static TimeSpan Of(HealthCheckRegistration registration, HealthServiceOptions settings) =>
        settings.DeadlineOf(registration.Timeout > TimeSpan.Zero && registration.Timeout != Timeout.InfiniteTimeSpan
            ? registration.Timeout
            : null);

    /// <summary>
    /// How often a probe runs: its configured interval, else the <see cref="HealthCheckRegistration.Period"/> of a check
    /// added in code, else every round.
    /// </summary>
    public static TimeSpan IntervalOf(HealthCheckRegistration registration, HealthServiceOptions settings, ProbeDamping schedules) =>
        schedules.Intervals.TryGetValue(registration.Name, out var configured) ? configured
        : registration.Period is { } period && period > settings.Interval ? period
        : settings.Interval;

    /// <summary>
    /// A probe's staleness bound: <c>Health:MaxAge</c>, grown by as much as the probe's own interval exceeds the round's,
    /// so that a probe that runs every third round keeps the same slack as one that runs every round.
    /// </summary>
    public static TimeSpan MaxAgeOf(TimeSpan probeInterval, HealthServiceOptions settings) =>
        settings.EffectiveMaxAge + (probeInterval - settings.Interval);

    /// <summary>
    /// <paramref name="from"/> plus <paramref name="maxAge"/> in timestamp units, saturating instead of overflowing:
    /// an overflow would wrap to a time in the past and make every snapshot stale for good.
    /// </summary>
    public static long StaleAfter(long from, TimeSpan maxAge, long frequency)
    {
        var ticks = maxAge.TotalSeconds * frequency;
        return ticks >= long.MaxValue - (double)from ? long.MaxValue : from + (long)ticks;
    }

    /// <summary>
    /// Problems with the probes as registered, configuration and code alike, each naming the probe: two probes with
    /// one name, a deadline longer than the interval, or a critical deadline that lets its result go stale.
    /// </summary>
    public static IEnumerable<string> FindErrors(IEnumerable<HealthCheckRegistration> registrations, HealthServiceOptions settings)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var maxAge = settings.EffectiveMaxAge;
        foreach (var registration in registrations)
        {
            if (!seen.Add(registration.Name))
            {
                yield return $"Two probes are named '{registration.Name}' (names are compared ignoring case): give each probe its own name.";
                continue;
            }

            var deadline = Of(registration, settings);
            if (deadline > settings.Interval)
            {
                yield return $"Probe '{registration.Name}' has a timeout of {deadline}, longer than {settings.SectionPath}:Interval ({settings.Interval}): a probe must finish before the next round starts.";
            }
            else if (HealthTags.IsCritical(registration.Tags) && settings.Interval + deadline >= maxAge)
            {
                yield return $"Probe '{registration.Name}' is critical with a timeout of {deadline}: {settings.SectionPath}:Interval plus that timeout ({settings.Interval + deadline}) must be shorter than {settings.SectionPath}:MaxAge ({maxAge}), or its result could go stale before the next one arrives.";
            }
        }
    }
}
