using HealthService.Endpoints;
using Serilog;

namespace HealthService.Logging;

public static class LoggingExtensions
{
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
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                .ReadFrom.Services(services)
                .Enrich.FromLogContext(),
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// One event per request, except on the health paths: load balancers poll them every few seconds, and a log
    /// line per poll would bury everything else (state changes are logged by the pipeline instead).
    /// </summary>
    public static WebApplication UseServiceRequestLogging(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments(HealthEndpointsExtensions.ReadinessPath, StringComparison.OrdinalIgnoreCase),
            branch => branch.UseSerilogRequestLogging(options => options.Logger = logger));
        return app;
    }
}
