using HealthService.Probes;

namespace HealthService.Configuration;

/// <summary>
/// The <c>Health</c> configuration section: how often probes run, their deadline and when a result is too old.
/// </summary>
/// <remarks>
/// The key names (<c>Health:Interval</c>, <c>Health:Timeout</c>, <c>Health:MaxAge</c>, ...) are a public contract:
/// deployment templates set them as environment variables (<c>Health__Interval</c>).
/// </remarks>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>Time between the starts of two evaluation rounds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Default deadline of one probe; a probe may set its own.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Age past which the latest snapshot no longer counts as healthy. Unset: three intervals.</summary>
    public TimeSpan? MaxAge { get; set; }

    public MemoryProbeOptions Memory { get; set; } = new();

    public CpuProbeOptions Cpu { get; set; } = new();

    public DiskProbeOptions Disk { get; set; } = new();

    /// <summary>The staleness bound in force: <see cref="MaxAge"/> or, when unset, three intervals.</summary>
    public TimeSpan EffectiveMaxAge => MaxAge ?? Interval * 3;
}
