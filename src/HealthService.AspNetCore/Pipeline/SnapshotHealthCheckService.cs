using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// The <see cref="HealthCheckService"/> in DI: it answers from the latest snapshot, filtered by the predicate, and
/// never runs a probe. <c>MapHealthChecks</c>, HealthChecks UI endpoints and anything else that calls
/// <see cref="CheckHealthAsync(Func{HealthCheckRegistration, bool}?, CancellationToken)"/> read what the loop found,
/// so a request flood is never load on a dependency, and no second caller disturbs a probe's state.
/// </summary>
internal sealed class SnapshotHealthCheckService(HealthSnapshotStore store, Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions> checks) : HealthCheckService
{
    private readonly Lazy<Dictionary<string, HealthCheckRegistration>> _registrations = new(() =>
        checks.Value.Registrations.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase));

    public override Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
    {
        var snapshot = store.Current;
        var entries = new Dictionary<string, HealthReportEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, registration) in _registrations.Value)
        {
            if (predicate is not null && !predicate(registration))
            {
                continue;
            }

            // A probe with no result yet is reported as not yet healthy, as the framework would before its first run.
            entries[name] = snapshot is not null && snapshot.Report.Entries.TryGetValue(name, out var entry)
                ? entry
                : new HealthReportEntry(registration.FailureStatus, "no result yet", TimeSpan.Zero, null, null, registration.Tags);
        }

        return Task.FromResult(new HealthReport(entries, snapshot?.Report.TotalDuration ?? TimeSpan.Zero));
    }
}
