using HealthService.Pipeline;

namespace HealthService.History;

/// <summary>A change of what <c>/health</c> answers.</summary>
/// <param name="At">When it was noticed: the result that caused it, or the moment time alone did.</param>
/// <param name="From">The verdict before.</param>
/// <param name="To">The verdict after.</param>
/// <param name="Reason">Why, in words: the failing probes with their reasons, maintenance and its reason, ...</param>
/// <param name="Probes">The critical probes that failed or were awaited, by name; empty when no probe is to blame.</param>
internal sealed record ReadinessTransition(DateTimeOffset At, Readiness From, Readiness To, string Reason, IReadOnlyList<string> Probes);
