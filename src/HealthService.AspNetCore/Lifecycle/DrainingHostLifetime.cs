using System.Runtime.InteropServices;
using HealthService.Configuration;
using Microsoft.Extensions.Options;

namespace HealthService.Lifecycle;

/// <summary>
/// Replaces the console lifetime. On SIGTERM or SIGINT, <c>/health</c> answers <c>503 Draining</c> at once while
/// everything else keeps being served for <c>Health:DrainDelay</c>, so the load balancer can take the instance out
/// of rotation before it stops; then the host stops gracefully (in-flight requests complete, within
/// <c>Health:ShutdownTimeout</c>). A second signal, or SIGQUIT, stops at once.
/// </summary>
internal sealed class DrainingHostLifetime(
    IHostApplicationLifetime application,
    DrainState drain,
    IOptions<HealthServiceOptions> options,
    TimeProvider time,
    ILogger<DrainingHostLifetime> logger) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private ITimer? _stopTimer;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnDrainSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnDrainSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStopSignal));
        // However the host is stopped, /health stops saying OK while requests are still being served.
        application.ApplicationStopping.Register(() => drain.Begin());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnDrainSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the process ends when the host has stopped, not now
        var delay = options.Value.DrainDelay;
        if (drain.Begin(time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency)))
        {
            logger.DrainStarted(context.Signal, delay);
            _stopTimer = time.CreateTimer(_ => application.StopApplication(), null, delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            logger.StoppingNow(context.Signal);
            application.StopApplication();
        }
    }

    private void OnStopSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        logger.StoppingNow(context.Signal);
        drain.Begin();
        application.StopApplication();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopTimer?.Dispose();
    }
}
