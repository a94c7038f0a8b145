namespace HealthService.Identity;

internal static class IdentityExtensions
{
    /// <summary>
    /// Adds the instance identity: the <see cref="InstanceIdentityProvider"/> every consumer reads, the background
    /// discovery, and its <see cref="HttpClient"/>: no proxy (the metadata services are link-local, and a proxy would
    /// see the token), no redirects, no per-request logs.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="discover">
    /// Whether to ask the metadata services at all (<see cref="IdentityOptions.Discovers"/>): without it the identity
    /// is the host name (or the configured one), known at once, and no request leaves the process.
    /// </param>
    public static IServiceCollection AddInstanceIdentity(this IServiceCollection services, bool discover)
    {
        services.AddSingleton(new InstanceIdentityProvider());
        services.AddSingleton(new IdentityDiscoverySwitch(discover));
        services.AddSingleton<InstanceIdentityDiscovery>();
        services.AddHttpClient(InstanceIdentityDiscovery.ClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // each request has its own deadline
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = InstanceIdentityDiscovery.RequestTimeout,
            })
            .RemoveAllLoggers();
        services.AddHostedService<InstanceIdentityService>();
        return services;
    }
}

/// <summary>Whether this application asks the metadata services (<see cref="IdentityOptions.Discovers"/>).</summary>
internal sealed record IdentityDiscoverySwitch(bool Discover);
