namespace HealthService.Pipeline;

/// <summary>
/// Told about every snapshot the evaluation loop publishes (alerts, metrics). Called on the loop's thread right
/// after publishing, one call at a time: an implementation records or enqueues and returns, it never waits on I/O.
/// </summary>
internal interface IHealthSnapshotListener
{
    /// <param name="previous">The snapshot it replaces, or null for the first one.</param>
    /// <param name="current">The snapshot just published.</param>
    /// <param name="readiness">The verdict on <paramref name="current"/> at the time it was published.</param>
    void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness);

    /// <summary>Every probe started in one round has completed (each within its deadline).</summary>
    void OnRoundCompleted(HealthSnapshot current, TimeSpan duration)
    {
    }
}
