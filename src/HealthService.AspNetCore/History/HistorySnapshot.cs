namespace HealthService.History;

/// <summary>
/// The history within the window at one moment, by reference to the stored records: taken in a short section of the
/// history's lock (a few references per probe), read after it without a lock and without a copy of the records.
/// </summary>
/// <param name="Now">The moment it was taken.</param>
/// <param name="Window">How far back it reaches.</param>
/// <param name="Started">When the history began: nothing before it is known (the service had not started).</param>
/// <param name="Readiness">The verdict now.</param>
/// <param name="Since">When the verdict last changed (the start of the service if it never did).</param>
/// <param name="Transitions">The verdict's changes within the window, oldest first.</param>
/// <param name="Probes">Each probe's results within the window, oldest first, by probe name in ordinal order.</param>
internal sealed record HistorySnapshot(
    DateTimeOffset Now,
    TimeSpan Window,
    DateTimeOffset Started,
    Pipeline.Readiness Readiness,
    DateTimeOffset Since,
    SegmentedLog<ReadinessTransition>.Slice Transitions,
    IReadOnlyList<KeyValuePair<string, SegmentedLog<ProbeResultRecord>.Slice>> Probes);
