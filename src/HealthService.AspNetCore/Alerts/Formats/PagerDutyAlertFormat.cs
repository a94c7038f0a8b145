namespace HealthService.Alerts.Formats;

/// <summary>
/// <c>pagerduty</c>: a PagerDuty Events API v2 event. <c>NotReady</c> triggers an alert (critical, or a warning when
/// planned: maintenance or a drain) and <c>Ready</c> resolves it; both carry the same <c>dedup_key</c>,
/// <c>&lt;service&gt;/&lt;instance&gt;</c>, so one instance's incident opens once, is updated by later failures and
/// closes on recovery.
/// </summary>
/// <remarks>
/// <c>custom_details.readiness</c> carries <c>Ready</c>/<c>NotReady</c>, as it always has, and event rules may match
/// it, so the readiness word travels beside it as <c>readiness_reason</c>. The routing key travels in the
/// body: it is never logged, and the receiver's URL must be https.
/// </remarks>
internal sealed class PagerDutyAlertFormat(string routingKey) : IAlertFormat
{
    public const string EventsUrl = "https://events.pagerduty.com/v2/enqueue";

    // https://developer.pagerduty.com/docs/events-api-v2/trigger-events/: summary and dedup_key limits. The event
    // itself may be up to 512 KB; MaxProbes probes with names and reasons of at most MaxText stay far below.
    internal const int MaxSummary = 1024;
    internal const int MaxDedupKey = 255;
    internal const int MaxProbes = 100;
    internal const int MaxText = 1000;

    public byte[] Render(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var trigger = alert.Status == AlertEvent.NotReady;
        return AlertBody.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("routing_key", routingKey);
            json.WriteString("event_action", trigger ? "trigger" : "resolve");
            json.WriteString("dedup_key", DedupKey(alert));
            json.WriteStartObject("payload");
            json.WriteString("summary", AlertBody.Truncate(alert.Text, MaxSummary));
            json.WriteString("source", alert.Instance);
            json.WriteString("severity", Severity(alert));
            json.WriteString("timestamp", AlertBody.Iso8601(alert.Time));
            json.WriteString("component", alert.Service);
            json.WriteStartObject("custom_details");
            json.WriteString("readiness", alert.Status);
            json.WriteString("previous_readiness", alert.PreviousStatus);
            json.WriteString("readiness_reason", alert.Readiness);
            json.WriteString("previous_readiness_reason", alert.PreviousReadiness);
            json.WriteStartArray("probes");
            foreach (var probe in alert.Probes.Take(MaxProbes))
            {
                json.WriteStartObject();
                json.WriteString("name", AlertBody.Truncate(probe.Name, MaxText));
                json.WriteString("status", probe.Status);
                json.WriteString("previous_status", probe.PreviousStatus);
                json.WriteString("reason", AlertBody.Truncate(probe.Reason, MaxText));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (alert.Probes.Count > MaxProbes)
            {
                json.WriteNumber("probes_not_shown", alert.Probes.Count - MaxProbes);
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// An outage is critical; maintenance and a drain are an operator's or a deploy's doing, still worth knowing (the
    /// instance is out of rotation) but not worth waking anyone for; a resolve is information.
    /// </summary>
    internal static string Severity(AlertEvent alert) =>
        alert.Status != AlertEvent.NotReady ? "info" : AlertBody.IsPlanned(alert) ? "warning" : "critical";

    /// <summary>The same for every event of one instance of one service: what makes a recovery resolve the trigger.</summary>
    internal static string DedupKey(AlertEvent alert)
    {
        var key = $"{alert.Service}/{alert.Instance}";
        return key.Length <= MaxDedupKey ? key : key[..MaxDedupKey]; // cut, not ellipsised: it must stay stable
    }
}
