namespace HealthService.Alerts.Formats;

/// <summary>Turns an <see cref="AlertEvent"/> into the JSON body one kind of receiver reads.</summary>
/// <remarks>Called on the evaluation loop's thread, once per event and receiver: it must be quick and never throw.</remarks>
internal interface IAlertFormat
{
    byte[] Render(AlertEvent alert);
}
