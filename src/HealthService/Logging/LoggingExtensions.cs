using HealthService.Endpoints;
using Serilog;
using Serilog.Settings.Configuration;

namespace HealthService.Logging;

public static class LoggingExtensions
{
    /// <summary>
    /// Where the <c>Serilog</c> section's sink, enricher and formatter names are looked up: every Serilog assembly
    /// the service ships. Naming them skips the reader's scan of the dependency manifest, about 20 ms of start-up;
    /// a sink from another package needs its assembly added here.
    /// </summary>
    private static readonly ConfigurationReaderOptions ReaderOptions = new(
        typeof(Serilog.ILogger).Assembly,
        typeof(ConsoleLoggerConfigurationExtensions).Assembly,
        typeof(FileLoggerConfigurationExtensions).Assembly,
        typeof(LoggerSinkConfigurationDebugExtensions).Assembly,
        typeof(Serilog.Formatting.Compact.CompactJsonFormatter).Assembly,
        typeof(ConfigurationLoggerConfigurationExtensions).Assembly);

    /// <summary>
    /// Serilog, configured from the <c>Serilog</c> section (levels, sinks, formatter). Each host builds its own
    /// logger instead of setting the static <c>Log.Logger</c>, so several hosts in one process (tests) do not
    /// write through each other's logger; the container disposes it on exit, which flushes it.
    /// </summary>
    public static WebApplicationBuilder AddServiceLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSerilog(
            (services, logger) => logger
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>(), ReaderOptions)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext(),
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// One event per request, except on <c>/health</c> and <c>/health/live</c>: load balancers and orchestrators poll
    /// them every few seconds, and a log line per poll would bury everything else (state changes are logged by the
    /// pipeline instead). Requests for <c>/health/details</c> are logged, refused ones included.
    /// </summary>
    public static WebApplication UseServiceRequestLogging(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseWhen(
            context => !IsPolledPath(context.Request.Path),
            branch => branch.UseSerilogRequestLogging(options => options.Logger = logger));
        return app;
    }

    // Routing also matches these paths with a trailing slash.
    private static bool IsPolledPath(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        return value.Equals(HealthEndpointsExtensions.ReadinessPath, StringComparison.OrdinalIgnoreCase)
            || value.Equals(HealthEndpointsExtensions.LivenessPath, StringComparison.OrdinalIgnoreCase);
    }
}
