namespace HealthService.History;

/// <summary>The history within the window at one moment.</summary>
/// <param name="Now">The moment it was read.</param>
/// <param name="Window">How far back it reaches.</param>
/// <param name="Started">When the history began: nothing before it is known (the service had not started).</param>
/// <param name="Readiness">The verdict now.</param>
/// <param name="Since">When the verdict last changed (the start of the service if it never did).</param>
/// <param name="Transitions">The verdict's changes within the window, oldest first.</param>
/// <param name="Probes">Each probe's results within the window, oldest first, by probe name: the stored records, not a copy.</param>
internal sealed record HistoryView(
    DateTimeOffset Now,
    TimeSpan Window,
    DateTimeOffset Started,
    Pipeline.Readiness Readiness,
    DateTimeOffset Since,
    IReadOnlyList<ReadinessTransition> Transitions,
    IReadOnlyDictionary<string, IReadOnlyList<ProbeResultRecord>> Probes);
