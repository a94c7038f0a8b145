using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrdersService;

/// <summary>Counts check runs and published reports.</summary>
public sealed class SampleStats
{
    private int _checkRuns;
    private int _reports;

    public int CheckRuns => Volatile.Read(ref _checkRuns);

    public int Reports => Volatile.Read(ref _reports);

    public void CountCheckRun() => Interlocked.Increment(ref _checkRuns);

    public void CountReport() => Interlocked.Increment(ref _reports);
}

/// <summary>An <see cref="IHealthCheckPublisher"/>: it receives each round's report from the loop.</summary>
public sealed class StatsPublisher(SampleStats stats) : IHealthCheckPublisher
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        stats.CountReport();
        return Task.CompletedTask;
    }
}
