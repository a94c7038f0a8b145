namespace HealthService.Pipeline;

/// <summary>Tags with a meaning to the pipeline.</summary>
public static class HealthTags
{
    /// <summary>Put on probes that gate readiness; informational, since every probe gates unless tagged <see cref="NonCritical"/>.</summary>
    public const string Critical = "critical";

    /// <summary>A probe with this tag is reported only: its failure leaves <c>/health</c> at <c>200 OK</c>.</summary>
    public const string NonCritical = "non-critical";

    /// <summary>Tags for a probe that is critical or not.</summary>
    public static string[] For(bool critical) => critical ? [Critical] : [NonCritical];

    /// <summary>
    /// Whether a probe gates readiness. A check added in code without tags gates it: a custom check someone took
    /// the trouble to register is assumed to matter, as with ASP.NET Core's own health-check middleware.
    /// </summary>
    public static bool IsCritical(IEnumerable<string> tags) => !tags.Contains(NonCritical, StringComparer.OrdinalIgnoreCase);
}
