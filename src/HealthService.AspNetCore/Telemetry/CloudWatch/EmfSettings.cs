namespace HealthService.Telemetry.CloudWatch;

/// <summary><c>Health:Metrics:CloudWatch</c> as validated at start, with the <c>ServiceName</c> dimension's value resolved.</summary>
internal sealed record EmfSettings(string Namespace, string ServiceName, int QueueCapacity);
