using HealthService.Telemetry.CloudWatch;

namespace HealthService.Telemetry;

/// <summary>
/// <c>Health:Metrics</c>: where metrics go besides the <c>HealthService</c> meter (which OTLP exports when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>CloudWatch Embedded Metric Format documents on stdout (<c>Health:Metrics:CloudWatch</c>).</summary>
    public CloudWatchMetricsOptions CloudWatch { get; set; } = new();
}
