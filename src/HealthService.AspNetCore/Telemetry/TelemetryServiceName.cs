namespace HealthService.Telemetry;

/// <summary>
/// The service's name in telemetry: <c>OTEL_SERVICE_NAME</c> when set, as OpenTelemetry defines it, else the
/// application's name (<c>HealthService</c> for the standalone service). The OTLP resource's <c>service.name</c> and
/// the CloudWatch <c>ServiceName</c> dimension both use it, so the two views of one service carry one name.
/// </summary>
internal static class TelemetryServiceName
{
    public const string Variable = "OTEL_SERVICE_NAME";

    public static string Of(IConfiguration configuration, string applicationName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[Variable] is { } name && !string.IsNullOrWhiteSpace(name) ? name.Trim()
            : string.IsNullOrWhiteSpace(applicationName) ? HealthServiceMeter.Name
            : applicationName;
    }
}
