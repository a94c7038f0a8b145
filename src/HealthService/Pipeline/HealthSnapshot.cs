using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>The outcome of one evaluation round, as <c>/health</c> serves it until the next round replaces it.</summary>
/// <param name="Report">Every probe's result. Descriptions are safe to show; exceptions are not kept.</param>
/// <param name="IsReady">Whether every critical probe is Healthy or Degraded.</param>
/// <param name="CompletedAt">Wall-clock time the round finished.</param>
/// <param name="StaleAfterTimestamp">
/// <see cref="TimeProvider.GetTimestamp"/> value past which the snapshot no longer counts: comparing two longs keeps
/// the request path free of allocation and clock conversions.
/// </param>
public sealed record HealthSnapshot(HealthReport Report, bool IsReady, DateTimeOffset CompletedAt, long StaleAfterTimestamp);
