namespace HealthService.Alerts;

/// <summary>Runs every receiver's delivery loop for the life of the host; each loop is independent of the others.</summary>
internal sealed class AlertDeliveryService(IEnumerable<AlertReceiver> receivers, AlertOptions options, ILogger<AlertDeliveryService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var all = receivers.ToArray();
        var names = string.Join(", ", all.Select(r => r.Name));
        logger.AlertsStarted(all.Length, names, options.CoolDown, options.MaxAttempts);
        return Task.WhenAll(all.Select(receiver => Task.Run(() => receiver.RunAsync(stoppingToken), CancellationToken.None)));
    }
}
