using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// Hands each round's report to every registered <see cref="IHealthCheckPublisher"/>, in place of the framework's
/// publisher service (which would run every probe again on its own timer). Each publisher runs on its own, under
/// its own deadline (<see cref="HealthCheckPublisherOptions.Timeout"/>): a slow or throwing publisher never delays
/// the next round, another publisher or <c>/health</c>, and while one is still busy it skips rounds instead of
/// piling them up. <see cref="HealthCheckPublisherOptions.Predicate"/> is asked about the registrations the
/// application made (<see cref="HealthCheckServiceOptions.Registrations"/>), as the framework's publisher service
/// asks it: name, tags, failure status and timeout as registered.
/// </summary>
internal sealed class PublisherDispatcher(
    IEnumerable<IHealthCheckPublisher> publishers,
    Microsoft.Extensions.Options.IOptions<HealthCheckPublisherOptions> options,
    Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions> checks,
    ILogger<PublisherDispatcher> logger) : IHealthSnapshotListener, IDisposable
{
    private readonly Slot[] _slots = [.. publishers.Select(p => new Slot(p))];
    private readonly Lazy<Dictionary<string, HealthCheckRegistration>> _registrations = new(() =>
        checks.Value.Registrations.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase));
    private readonly CancellationTokenSource _stopping = new();

    public void OnPublished(HealthSnapshot? previous, HealthSnapshot current, Readiness readiness)
    {
    }

    public void OnRoundCompleted(HealthSnapshot current, TimeSpan duration)
    {
        if (_slots.Length == 0 || _stopping.IsCancellationRequested)
        {
            return;
        }

        var predicate = options.Value.Predicate;
        var report = predicate is null ? current.Report : Filter(current.Report, predicate);
        foreach (var slot in _slots)
        {
            if (slot.Running is { IsCompleted: false })
            {
                logger.PublisherSkipped(slot.Name);
                continue;
            }

            slot.Running = Task.Run(() => PublishAsync(slot, report));
        }
    }

    private async Task PublishAsync(Slot slot, HealthReport report)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(options.Value.Timeout);
        try
        {
            await slot.Publisher.PublishAsync(report, deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (OperationCanceledException)
        {
            logger.PublisherFailed(slot.Name, $"timed out after {options.Value.Timeout.TotalSeconds:0.###} s");
        }
#pragma warning disable CA1031 // A publisher's failure is logged; it must not reach the loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.PublisherFailed(slot.Name, $"failed with {ex.GetType().Name}");
        }
    }

    /// <summary>
    /// Whether <paramref name="publisher"/>'s last call has not yet been seen to end: a round now would skip it. Its
    /// report is handed over before that, so a test that moves a fake clock on waits for this too.
    /// </summary>
    internal bool IsBusy(IHealthCheckPublisher publisher) => _slots.Any(slot => slot.Publisher == publisher && slot.Running is { IsCompleted: false });

    private HealthReport Filter(HealthReport report, Func<HealthCheckRegistration, bool> predicate) =>
        new(report.Entries
                .Where(e => _registrations.Value.TryGetValue(e.Key, out var registration) && predicate(registration))
                .ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase),
            report.TotalDuration);

    // Registered as itself and as a listener, so the container disposes it twice: cancelling twice is harmless, and
    // the source is not disposed, since a publisher still running may hold its token.
    public void Dispose() => _stopping.Cancel();

    private sealed class Slot(IHealthCheckPublisher publisher)
    {
        public IHealthCheckPublisher Publisher => publisher;

        public string Name { get; } = publisher.GetType().Name;

        public Task? Running { get; set; }
    }
}
