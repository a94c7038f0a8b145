using HealthService.Identity;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HealthService.Telemetry;

/// <summary>
/// Builds OpenTelemetry's <see cref="MeterProvider"/> once the instance identity is known, in place of the
/// OpenTelemetry hosting service that builds it while the host starts.
/// </summary>
/// <remarks>
/// A resource is fixed when its provider is built, and the identity is known only when discovery ends (at most its
/// 2 s deadline after start). Building the provider at start would export no identity; waiting for it during start
/// would hold back Kestrel, and so <c>/health</c>, by as long. The trade-off chosen: the provider is built in the
/// background as soon as the identity is known. Gauges (readiness, probe status, ages) are read at each export and
/// lose nothing; counter and histogram measurements of those first moments (the first round's probe durations) are
/// not exported; and the first export comes an export interval later anyway. Tracing and logging providers, when
/// the application configures any, are still started at once, as the hosting service would. Should a name checked
/// here change in OpenTelemetry, the provider is built at start again, without the identity: the OTLP test shows it.
/// </remarks>
internal sealed class DeferredTelemetryStart(IServiceProvider services, InstanceIdentityProvider identity) : IHostedService
{
    /// <summary>The OpenTelemetry hosting service this one replaces; its name is kept stable by OpenTelemetry.</summary>
    public const string ReplacedService = "OpenTelemetry.Extensions.Hosting.Implementation.TelemetryHostedService";

    /// <summary>OpenTelemetry's listener for <c>IMeterFactory</c> meters, which would build the provider with the first meter.</summary>
    public const string ReplacedListener = "OpenTelemetry.Metrics.OpenTelemetryMetricsListener";

    private volatile bool _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetService<TracerProvider>();
        services.GetService<LoggerProvider>();
        identity.Known.ContinueWith(static (_, state) => ((DeferredTelemetryStart)state!).BuildMeterProvider(), this,
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        return Task.CompletedTask;
    }

    private void BuildMeterProvider()
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            services.GetService<MeterProvider>();
        }
        catch (ObjectDisposedException)
        {
            // The host stopped while discovery was ending: there is nothing left to export.
        }
    }
}
