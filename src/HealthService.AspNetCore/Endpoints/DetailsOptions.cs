namespace HealthService.Endpoints;

/// <summary><c>Health:Details</c>: who may read <c>/health/details</c>, and from where.</summary>
public sealed class DetailsOptions
{
    /// <summary>The request header that carries <see cref="ApiKey"/> or <see cref="MaintenanceOptions.ApiKey"/>.</summary>
    public const string ApiKeyHeader = "X-Health-Key";

    /// <summary>The default of <see cref="LocalPort"/>.</summary>
    public const int DefaultLocalPort = 8079;

    /// <summary>
    /// Off by default. On: callers on this machine read the view through <see cref="LocalPort"/> without a key, and
    /// callers elsewhere with <see cref="ApiKey"/>.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// When set (and the view is enabled), any caller that sends it in <see cref="ApiKeyHeader"/> may read the view and
    /// the maintenance state. It only reads: turning maintenance on or off needs <see cref="MaintenanceOptions.ApiKey"/>.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The port of the local listener, bound to 127.0.0.1 only, where the view needs no key; 0 for none. A relay in
    /// the same network namespace (a sidecar proxy) forwards to the service's public port, never to this one.
    /// </summary>
    public int LocalPort { get; set; } = DefaultLocalPort;

    /// <summary>The local listener's address when the view is enabled and has one, else null.</summary>
    public static string? LocalUrl(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Health:Details");
        var port = section.GetValue(nameof(LocalPort), DefaultLocalPort);
        return section.GetValue<bool>(nameof(Enabled)) && port > 0 ? $"http://127.0.0.1:{port}" : null;
    }
}
