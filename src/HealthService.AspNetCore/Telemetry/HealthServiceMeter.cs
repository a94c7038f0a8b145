namespace HealthService.Telemetry;

/// <summary>
/// The meter HealthService reports on (<c>healthservice.ready</c>, <c>healthservice.probe.status</c>, ...): add it
/// to your metrics pipeline, e.g. <c>metrics.AddMeter(HealthServiceMeter.Name)</c> with OpenTelemetry.
/// </summary>
public static class HealthServiceMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "HealthService";
}
