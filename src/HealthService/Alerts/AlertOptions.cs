namespace HealthService.Alerts;

/// <summary><c>Health:Alerts</c>: webhooks told about changes of the overall status and of critical probes.</summary>
public sealed class AlertOptions
{
    /// <summary>Receivers by name: <c>Health:Alerts:Webhooks:&lt;name&gt;:Url</c>. None configured, no alerts.</summary>
    public Dictionary<string, AlertWebhookOptions> Webhooks { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One alert receiver.</summary>
public sealed class AlertWebhookOptions
{
    /// <summary>Absolute http or https URL the events are POSTed to. Never logged in full.</summary>
    public string? Url { get; set; }
}
