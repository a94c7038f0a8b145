namespace HealthService.Endpoints;

/// <summary>Where <c>MapHealthService</c> maps its endpoints.</summary>
public sealed class HealthServiceEndpointOptions
{
    /// <summary>The default <see cref="ReadinessPath"/>.</summary>
    public const string DefaultReadinessPath = "/health";

    /// <summary>The default <see cref="LivenessPath"/>.</summary>
    public const string DefaultLivenessPath = "/health/live";

    /// <summary>The default <see cref="DetailsPath"/>.</summary>
    public const string DefaultDetailsPath = "/health/details";

    /// <summary>The default <see cref="MaintenancePath"/>.</summary>
    public const string DefaultMaintenancePath = "/health/maintenance";

    /// <summary>The default <see cref="HistoryPath"/>.</summary>
    public const string DefaultHistoryPath = "/health/history";

    /// <summary>The default <see cref="StatusPagePath"/>.</summary>
    public const string DefaultStatusPagePath = "/health/ui";

    /// <summary>Readiness, for the load balancer: <c>200 OK</c>, or <c>503</c> with the reason.</summary>
    public string ReadinessPath { get; set; } = DefaultReadinessPath;

    /// <summary>Liveness, for container health checks: <c>200 OK</c> while the process serves.</summary>
    public string LivenessPath { get; set; } = DefaultLivenessPath;

    /// <summary>The detailed view (off unless <c>Health:Details:Enabled</c>).</summary>
    public string DetailsPath { get; set; } = DefaultDetailsPath;

    /// <summary>
    /// Maintenance mode, for operators (off unless <c>Health:Details:Enabled</c>): changed on the local listener or
    /// with <c>Health:Maintenance:ApiKey</c>, read also with <c>Health:Details:ApiKey</c>.
    /// </summary>
    public string MaintenancePath { get; set; } = DefaultMaintenancePath;

    /// <summary>The recent past as JSON (off unless <c>Health:Details:Enabled</c>; admitted as the detailed view).</summary>
    public string HistoryPath { get; set; } = DefaultHistoryPath;

    /// <summary>The status page, HTML (off unless <c>Health:Details:Enabled</c>; admitted as the detailed view).</summary>
    public string StatusPagePath { get; set; } = DefaultStatusPagePath;
}
