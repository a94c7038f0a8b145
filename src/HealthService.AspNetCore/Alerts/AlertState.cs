using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Alerts;

/// <summary>
/// What alerts are about: the readiness verdict, and the status of each critical probe (sorted by name). Two states
/// are the same when those are; a probe's reason changing alone is no news, but the verdict changing while the
/// instance stays not ready is (an operator turning maintenance on during an outage, a drain after one).
/// </summary>
internal sealed record AlertState(Readiness Readiness, IReadOnlyList<AlertState.Probe> Probes, DateTime ObservedAt)
{
    public bool IsReady => Readiness == Readiness.Ok;

    public string Status => IsReady ? AlertEvent.Ready : AlertEvent.NotReady;

    /// <summary>The word <c>/health</c> answers for this state.</summary>
    public string Word => ReadinessDecision.Name(Readiness);

    /// <param name="readiness">The one readiness decision on <paramref name="snapshot"/>: ready means <c>/health</c> answers 200.</param>
    public static AlertState From(HealthSnapshot snapshot, Readiness readiness)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var probes = snapshot.Report.Entries
            .Where(entry => HealthTags.IsCritical(entry.Value.Tags))
            .Select(entry => new Probe(entry.Key, entry.Value.Status, entry.Value.Description ?? entry.Value.Status.ToString()))
            .OrderBy(probe => probe.Name, StringComparer.Ordinal)
            .ToArray();
        return new AlertState(readiness, probes, snapshot.CompletedAt.UtcDateTime);
    }

    public bool SameAs(AlertState? other)
    {
        if (other is null || other.Readiness != Readiness || other.Probes.Count != Probes.Count)
        {
            return false;
        }

        for (var i = 0; i < Probes.Count; i++)
        {
            if (!string.Equals(Probes[i].Name, other.Probes[i].Name, StringComparison.Ordinal) || Probes[i].Status != other.Probes[i].Status)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The event that tells a receiver who last heard <paramref name="before"/> (null: nothing yet) about this state:
    /// the critical probes whose status differs, or, for the first event, those that are not Healthy.
    /// </summary>
    public AlertEvent EventSince(AlertState? before, string service, string instance)
    {
        var changes = new List<AlertProbeChange>();
        foreach (var probe in Probes)
        {
            var earlier = before?.Probes.FirstOrDefault(p => string.Equals(p.Name, probe.Name, StringComparison.Ordinal));
            if (before is null ? probe.Status != HealthStatus.Healthy : earlier is null || earlier.Status != probe.Status)
            {
                changes.Add(new AlertProbeChange(probe.Name, earlier?.Status.ToString() ?? AlertEvent.Starting, probe.Status.ToString(), probe.Reason));
            }
        }

        var previous = before?.Status ?? AlertEvent.Starting;
        var previousWord = before?.Word ?? AlertEvent.Starting;
        var now = AlertEvent.Describe(Status, Word);
        var was = AlertEvent.Describe(previous, previousWord);
        var text = was == now
            ? $"{service} on {instance} is still {now}"
            : $"{service} on {instance} is {now} (was {was})";
        if (changes.Count > 0)
        {
            text += ": " + string.Join("; ", changes.Select(c => $"{c.Name} {c.PreviousStatus} -> {c.Status} ({c.Reason})"));
        }

        return new AlertEvent(service, instance, ObservedAt, previous, Status, previousWord, Word, text, changes);
    }

    /// <param name="Reason">The snapshot's description: sanitised by the pipeline, never an exception message.</param>
    internal sealed record Probe(string Name, HealthStatus Status, string Reason);
}
