namespace HealthService.Alerts;

/// <summary>Start-up checks of <c>Health:Alerts</c>; messages name the key and never repeat a URL or header value.</summary>
internal static class AlertOptionsValidation
{
    public static void Validate(List<string> errors, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);
    }
}
