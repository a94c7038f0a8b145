namespace HealthService.Alerts;

/// <summary>
/// <c>Health:Alerts</c>: webhooks told about changes of the overall status and of critical probes. The key names are
/// part of the public contract, like every <c>Health:*</c> key.
/// </summary>
public sealed class AlertOptions
{
    /// <summary>Receivers by name: <c>Health:Alerts:Webhooks:&lt;name&gt;:Url</c>. None configured, no alerts.</summary>
    public Dictionary<string, AlertWebhookOptions> Webhooks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// After an event is queued, changes are held back this long; then the state of that moment is sent if it still
    /// differs from the last one sent. At most one event per cool-down, and the final state is never lost. Zero
    /// sends every change at once.
    /// </summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deadline of one delivery attempt: connecting, sending and receiving the response head.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts per event and receiver, the first included.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt; doubled before each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events waiting per receiver; when full, the oldest waiting event is dropped.</summary>
    public int QueueCapacity { get; set; } = 100;

    /// <summary>The <c>service</c> field of every event.</summary>
    public string Service { get; set; } = "HealthService";

    /// <summary>
    /// The <c>instance</c> field of every event: which copy of the service is talking. Unset (null), the discovered
    /// identity: the ECS task id, the EC2 instance id, else the host name. Set, it wins over discovery, and the
    /// details view, logs and metrics use it too.
    /// </summary>
    public string? Instance { get; set; }
}

/// <summary>One alert receiver: <c>Health:Alerts:Webhooks:&lt;name&gt;</c>.</summary>
public sealed class AlertWebhookOptions
{
    /// <summary>
    /// Absolute http or https URL the events are POSTed to. Never logged: its path often is the secret. Required,
    /// except for <c>pagerduty</c>, which defaults to the PagerDuty Events API v2.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>
    /// The body's shape: <c>json</c> (the event itself, the default), <c>slack</c> (an incoming-webhook message),
    /// <c>teams</c> (a workflow webhook message carrying an Adaptive Card) or <c>pagerduty</c> (Events API v2).
    /// </summary>
    public string Format { get; set; } = "json";

    /// <summary>The PagerDuty integration (routing) key; required by, and only used by, <c>pagerduty</c>. Never logged.</summary>
    public string? RoutingKey { get; set; }

    /// <summary>Request headers, e.g. <c>Authorization</c>. Values are never logged or shown.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
