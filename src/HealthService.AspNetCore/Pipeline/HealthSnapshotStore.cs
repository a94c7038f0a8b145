namespace HealthService.Pipeline;

/// <summary>Holds the latest snapshot. Written by the evaluation loop, read by every <c>/health</c> request.</summary>
internal sealed class HealthSnapshotStore
{
    // A reference swap is atomic; volatile makes a new snapshot visible to readers on other cores at once.
    private volatile HealthSnapshot? _current;

    /// <summary>The latest snapshot, or null before the first round has finished.</summary>
    public HealthSnapshot? Current => _current;

    public void Publish(HealthSnapshot snapshot) => _current = snapshot;
}
