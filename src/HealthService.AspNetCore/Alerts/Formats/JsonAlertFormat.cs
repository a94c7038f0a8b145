namespace HealthService.Alerts.Formats;

/// <summary><c>json</c>: the event itself, for receivers that map JSON their own way.</summary>
internal sealed class JsonAlertFormat : IAlertFormat
{
    public static readonly JsonAlertFormat Instance = new();

    public byte[] Render(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.ToJson();
    }
}
