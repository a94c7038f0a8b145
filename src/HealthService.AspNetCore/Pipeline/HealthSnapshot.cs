using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// The latest result of every probe, as <c>/health</c> serves it until the next result or heartbeat replaces it.
/// Each probe's result counts from when that probe completed, so a slow probe delays only its own result.
/// </summary>
/// <param name="Report">Every probe that has completed at least once. Descriptions are safe to show; exceptions are not kept.</param>
/// <param name="ResultTimes">When each probe in <paramref name="Report"/> completed.</param>
/// <param name="IsReady">Whether every critical probe has a result and none of them is Unhealthy.</param>
/// <param name="AwaitsCritical">Whether a critical probe has not completed yet: the instance is still starting.</param>
/// <param name="CompletedAt">When this snapshot was published: the latest result, or the loop's latest heartbeat.</param>
/// <param name="StaleAfterTimestamp">
/// <see cref="TimeProvider.GetTimestamp"/> value past which the snapshot no longer counts: the loop's heartbeat or the
/// oldest critical result, whichever is older, plus <c>Health:MaxAge</c>. Comparing two longs keeps the request path
/// free of allocation and clock conversions.
/// </param>
/// <param name="HeartbeatTimestamp">When the loop last started a round: the next one starts one interval later.</param>
/// <param name="RawResults">
/// Each probe's latest result as it came, before flap damping; <paramref name="Report"/> holds what is reported.
/// </param>
internal sealed record HealthSnapshot(
    HealthReport Report,
    IReadOnlyDictionary<string, DateTimeOffset> ResultTimes,
    bool IsReady,
    bool AwaitsCritical,
    DateTimeOffset CompletedAt,
    long StaleAfterTimestamp,
    long HeartbeatTimestamp,
    IReadOnlyDictionary<string, HealthReportEntry> RawResults);
