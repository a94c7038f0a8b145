namespace HealthService.Pipeline;

/// <summary>
/// Told by <see cref="ReadinessChangeWatcher"/> that the readiness verdict changed without a publish (staleness,
/// maintenance, a drain). Called on the watcher's thread: an implementation judges the verdict now and returns.
/// </summary>
internal interface IReadinessChangeListener
{
    void OnReadinessChanged();
}
