namespace HealthService.Pipeline;

/// <summary>
/// Told about every snapshot the evaluation loop publishes (alerts, metrics). Called on the loop's thread right
/// after publishing: an implementation records or enqueues and returns, it never waits on I/O.
/// </summary>
public interface IHealthSnapshotListener
{
    /// <param name="previous">The snapshot it replaces, or null for the first one.</param>
    void OnPublished(HealthSnapshot? previous, HealthSnapshot current);
}
