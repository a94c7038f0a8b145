namespace HealthService.Probes.Http;

/// <summary><c>Health:Http:&lt;name&gt;</c>: an external HTTP API this instance depends on.</summary>
public sealed class HttpProbeOptions
{
    /// <summary>The methods <see cref="Method"/> may be.</summary>
    public static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

    /// <summary>Absolute http or https URL. Never logged in full: it may carry credentials or keys.</summary>
    public string? Url { get; set; }

    /// <summary>The request method, one of <see cref="Methods"/>.</summary>
    public string Method { get; set; } = "GET";

    /// <summary>Codes and ranges that count as healthy, e.g. <c>200-299</c> or <c>200,204,301-302</c>. Redirects are not followed.</summary>
    public string ExpectedStatus { get; set; } = "200-299";

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Request headers, e.g. an API key. Values are never logged or shown.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Off by default: a third-party API shared by the whole fleet would otherwise take every instance out of the
    /// load balancer at once when it fails.
    /// </summary>
    public bool Critical { get; set; }

    /// <summary>
    /// How often this probe runs, when less often than every round: at least <c>Health:Interval</c>, at most 1 hour.
    /// Unset: every round. Its result's staleness bound grows with it.
    /// </summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Consecutive failed results before the probe reports Unhealthy (1-10; 1: at once). Rides out a single blip.</summary>
    public int FailuresBeforeUnhealthy { get; set; } = 1;

    /// <summary>Consecutive good results before a failed probe reports healthy again (1-10; 1: at once).</summary>
    public int SuccessesBeforeHealthy { get; set; } = 1;
}
