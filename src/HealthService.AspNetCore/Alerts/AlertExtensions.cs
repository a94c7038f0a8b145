using HealthService.Pipeline;

namespace HealthService.Alerts;

internal static class AlertExtensions
{
    /// <summary>
    /// Adds alert delivery when <c>Health:Alerts:Webhooks</c> names at least one receiver: the tracker that listens
    /// to snapshots, one queue and delivery loop per receiver, and one named <see cref="HttpClient"/> per receiver
    /// that follows no redirects and writes no per-request logs (they would carry the URL).
    /// </summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Webhooks.Count == 0)
        {
            return services;
        }

        services.AddSingleton(options);
        foreach (var (name, webhook) in options.Webhooks)
        {
            services.AddHttpClient(AlertReceiver.ClientName(name))
                .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // each attempt has its own deadline
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    ConnectTimeout = options.Timeout,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                })
                .RemoveAllLoggers();
            services.AddSingleton(provider => new AlertReceiver(
                name,
                webhook,
                options,
                provider.GetRequiredService<IHttpClientFactory>(),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<AlertReceiver>>()));
        }

        services.AddSingleton(provider =>
        {
            var receivers = provider.GetServices<AlertReceiver>().ToArray();
            var store = provider.GetRequiredService<HealthSnapshotStore>();
            var decision = provider.GetRequiredService<ReadinessDecision>();
            return new AlertTracker(
                options,
                provider.GetRequiredService<TimeProvider>(),
                alert =>
                {
                    foreach (var receiver in receivers)
                    {
                        receiver.Enqueue(alert); // each in its own format
                    }
                },
                provider.GetRequiredService<ILogger<AlertTracker>>(),
                provider.GetRequiredService<Identity.InstanceIdentityProvider>().Known,
                () => store.Current is { } snapshot ? (snapshot, decision.Of(snapshot)) : null);
        });
        services.AddSingleton<IHealthSnapshotListener>(provider => provider.GetRequiredService<AlertTracker>());
        services.AddSingleton<IReadinessChangeListener>(provider => provider.GetRequiredService<AlertTracker>());
        services.AddHostedService<AlertDeliveryService>();
        return services;
    }
}
