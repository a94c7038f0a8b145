using HealthService.Endpoints;
using HealthService.Identity;
using Serilog;

namespace HealthService.Logging;

public static class LoggingExtensions
{
    /// <summary>Events the queue in front of the log output holds while the output is stalled; beyond it, events are dropped.</summary>
    internal const int QueueCapacity = 10_000;

    /// <summary>How long the service waits at exit for queued events to be written, so a stalled output cannot hold it up.</summary>
    internal static readonly TimeSpan FlushOnExit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Serilog, configured from the <c>Serilog</c> section (levels, sinks, formatter: <see cref="SerilogSection"/>).
    /// Every sink, those from configuration and those registered in DI, sits behind one bounded queue drained by a
    /// background thread: a stalled output (a stdout pipe nobody reads, awslogs in blocking mode) makes the queue drop
    /// events and count them, and never blocks the evaluation loop or a request. Levels are applied before the queue,
    /// so it holds only what will be written. Every event carries <c>Instance</c> once the instance identity is known
    /// (<see cref="InstanceEnricher"/>). Each host builds its own logger instead of setting the static
    /// <c>Log.Logger</c>, so several hosts in one process (tests) do not write through each other's logger; the
    /// container disposes it on exit.
    /// </summary>
    public static WebApplicationBuilder AddServiceLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<LogOutputMonitor>();
        builder.Services.AddSingleton<UnloggedRequests>();
        builder.Services.AddHostedService<LogVolumeReporter>();
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                var section = SerilogSection.Read(services.GetRequiredService<IConfiguration>());
                var sinks = section.ApplySinks(new LoggerConfiguration().MinimumLevel.Verbose()) // filtered already, before the queue
                    .ReadFrom.Services(services)
                    .CreateLogger();
                var queue = new LoggerConfiguration()
                    .MinimumLevel.Verbose() // filtered already, before the queue
                    .WriteTo.Async(output => output.Sink(sinks), QueueCapacity, blockWhenFull: false, services.GetRequiredService<LogOutputMonitor>())
                    .CreateLogger();
                section.ApplyLevels(logger)
                    .Enrich.FromLogContext()
                    .WriteTo.Sink(new FlushWithinSink(queue, FlushOnExit));
                if (services.GetService<InstanceIdentityProvider>() is { } identity)
                {
                    logger.Enrich.With(new InstanceEnricher(identity));
                }
            },
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// One event per request, except on <c>/health</c>, <c>/health/live</c> and the gRPC health protocol: load
    /// balancers and orchestrators poll them every few seconds, and a log line per poll would bury everything else
    /// (state changes are logged by the pipeline instead). Requests that end in 404 or 405 (unknown paths and
    /// methods, refused requests for the detailed view) are counted and summed up once a minute
    /// (<see cref="UnloggedRequests"/>), so that outsiders cannot drive log volume.
    /// </summary>
    public static WebApplication UseServiceRequestLogging(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        var unlogged = app.Services.GetRequiredService<UnloggedRequests>();
        app.UseWhen(
            context => !IsPolledPath(context.Request.Path),
            branch => branch.UseSerilogRequestLogging(options =>
            {
                options.Logger = logger;
                options.GetLevel = unlogged.LevelOf;
            }));
        return app;
    }

    // Routing also matches these paths with a trailing slash. gRPC health checks are polled just as often.
    private static bool IsPolledPath(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        return value.Equals(HealthServiceEndpointOptions.DefaultReadinessPath, StringComparison.OrdinalIgnoreCase)
            || value.Equals(HealthServiceEndpointOptions.DefaultLivenessPath, StringComparison.OrdinalIgnoreCase)
            || Grpc.GrpcPortSeparation.IsHealthService(path);
    }
}
