using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Infrastructure;

public enum ProbeMode
{
    Healthy,
    Degraded,
    Unhealthy,
    Throw,

    /// <summary>Never completes and ignores its cancellation token, like a driver stuck in a blocking call.</summary>
    Hang,
}

/// <summary>A custom check whose answer the test sets, as a user's own <c>IHealthCheck</c> would give it.</summary>
public sealed class ControllableHealthCheck : IHealthCheck
{
    private volatile TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;
    private int _inFlight;

    public ProbeMode Mode { get; set; } = ProbeMode.Healthy;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Calls that have started and not yet returned.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Lets every hung call finish (with the then current mode).</summary>
    public void ReleaseHung()
    {
        var old = _release;
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (Mode == ProbeMode.Hang)
            {
                await _release.Task; // deliberately ignores cancellationToken
            }

            return Mode switch
            {
                ProbeMode.Degraded => HealthCheckResult.Degraded("degraded on purpose"),
                ProbeMode.Unhealthy => new HealthCheckResult(context.Registration.FailureStatus, "failing on purpose"),
                ProbeMode.Throw => throw new InvalidOperationException("Password=hunter2 must never be shown"),
                _ => HealthCheckResult.Healthy("fine"),
            };
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
