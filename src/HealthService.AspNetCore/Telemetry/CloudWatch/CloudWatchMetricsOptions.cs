namespace HealthService.Telemetry.CloudWatch;

/// <summary>
/// <c>Health:Metrics:CloudWatch</c>: readiness and probe metrics as CloudWatch Embedded Metric Format (EMF) documents,
/// one JSON line each on stdout, from which CloudWatch Logs extracts metrics without an SDK or credentials (the
/// awslogs driver of ECS, or the CloudWatch agent, carries the lines). The key names are part of the public contract.
/// </summary>
public sealed class CloudWatchMetricsOptions
{
    /// <summary>The default of <see cref="Namespace"/>.</summary>
    public const string DefaultNamespace = "HealthService";

    /// <summary>The default of <see cref="QueueCapacity"/>.</summary>
    public const int DefaultQueueCapacity = 1000;

    /// <summary>Off by default. On: one document per evaluation round and per probe, and one per readiness change.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The CloudWatch namespace of the metrics: at most 255 letters, digits, spaces and <c>. - _ / # :</c>, not
    /// starting with <c>:</c> or <c>AWS/</c>.
    /// </summary>
    public string Namespace { get; set; } = DefaultNamespace;

    /// <summary>
    /// The value of the <c>ServiceName</c> dimension of every metric. Unset (null), <c>OTEL_SERVICE_NAME</c> when set,
    /// else the application's name, as the OTLP resource's <c>service.name</c>.
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>
    /// Documents waiting for stdout. While stdout is stalled the queue fills; then the oldest waiting document is
    /// dropped for each new one, and counted.
    /// </summary>
    public int QueueCapacity { get; set; } = DefaultQueueCapacity;
}
