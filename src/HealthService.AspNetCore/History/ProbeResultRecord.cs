using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.History;

/// <summary>One probe result as it was reported.</summary>
/// <param name="At">When the probe completed.</param>
/// <param name="Status">The status reported (after flap damping), the one readiness was decided on.</param>
/// <param name="Raw">The status the probe itself returned, when flap damping held it back; otherwise the same.</param>
/// <param name="DurationMs">How long the probe took, in milliseconds.</param>
internal readonly record struct ProbeResultRecord(DateTimeOffset At, HealthStatus Status, HealthStatus Raw, double DurationMs);
