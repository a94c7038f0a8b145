namespace HealthService.Identity;

internal static class IdentityExtensions
{
    /// <summary>
    /// Adds the instance identity: the <see cref="InstanceIdentityProvider"/> every consumer reads, the background
    /// discovery, and its <see cref="HttpClient"/>: no proxy (the metadata services are link-local, and a proxy would
    /// see the token), no redirects, no per-request logs.
    /// </summary>
    public static IServiceCollection AddInstanceIdentity(this IServiceCollection services)
    {
        services.AddSingleton(new InstanceIdentityProvider());
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
