using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrdersService;

/// <summary>
/// A custom check as the library expects one: cheap, it honours cancellation, and its description and data carry no
/// secret (no connection string, no exception message).
/// </summary>
public sealed class OrdersQueueHealthCheck(OrdersQueue queue, SampleStats stats) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        stats.CountCheckRun();
        return await queue.IsReachableAsync(cancellationToken)
            ? HealthCheckResult.Healthy("orders queue reachable")
            : new HealthCheckResult(context.Registration.FailureStatus, "orders queue unreachable");
    }
}
