namespace HealthService.Probes.Tls;

/// <summary><c>Health:Tls:&lt;name&gt;</c>: a TLS endpoint whose certificate must be trusted, for its name, and not about to expire.</summary>
public sealed class TlsProbeOptions
{
    /// <summary>The shortest <see cref="ExpiresWithin"/>.</summary>
    internal static readonly TimeSpan MinExpiresWithin = TimeSpan.FromDays(1);

    /// <summary>The longest <see cref="ExpiresWithin"/>.</summary>
    internal static readonly TimeSpan MaxExpiresWithin = TimeSpan.FromDays(365);

    /// <summary><c>host:port</c> (<c>[::1]:443</c> for an IPv6 address) of the TLS endpoint.</summary>
    public string? Address { get; set; }

    /// <summary>The name the certificate must be for, also sent as SNI. Unset: the host of <see cref="Address"/>.</summary>
    public string? ServerName { get; set; }

    /// <summary>A certificate that expires sooner than this reports Degraded, so that a renewal that did not happen is seen in time.</summary>
    public TimeSpan ExpiresWithin { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Off by default: a certificate is usually shared by the whole fleet, and its failure would fail every instance.</summary>
    public bool Critical { get; set; }

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>. It covers the connect and the handshake.</summary>
    public TimeSpan? Timeout { get; set; }

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
