namespace HealthService.Identity;

/// <summary>Whether to ask the cloud's metadata services which instance this is (<c>Health:Identity</c>).</summary>
public sealed class IdentityOptions
{
    /// <summary>
    /// <see cref="IdentityDiscovery.Auto"/> (the default): only when alerts or CloudWatch EMF documents name the
    /// instance. Otherwise the instance is the host name (or <c>Health:Alerts:Instance</c>) and no request is made.
    /// </summary>
    public IdentityDiscovery Discovery { get; set; } = IdentityDiscovery.Auto;

    /// <summary>Whether these settings, with <paramref name="health"/>'s, call for discovery.</summary>
    internal bool Discovers(HealthService.Configuration.HealthServiceOptions health) => Discovery switch
    {
        IdentityDiscovery.On => true,
        IdentityDiscovery.Off => false,
        _ => health.Alerts.Webhooks.Count > 0 || health.Metrics.CloudWatch.Enabled,
    };
}

/// <summary>When the instance identity is discovered.</summary>
public enum IdentityDiscovery
{
    /// <summary>When something configured names the instance: alert webhooks, CloudWatch EMF.</summary>
    Auto,

    /// <summary>Always, at start, in the background (for the application's own use of <see cref="InstanceIdentityProvider"/>).</summary>
    On,

    /// <summary>Never: the host name, or <c>Health:Alerts:Instance</c>.</summary>
    Off,
}
