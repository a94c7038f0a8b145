using HealthService.Cli;
using HealthService.Grpc;
using HealthService.Hosting;
using HealthService.Logging;
using HealthService.Telemetry;

// `HealthService probe|details|history|maintenance ...`: the self-probe for health checks and deploy gates, and the views for
// operators; commands, no host is built.
if (Commands.Find(args) is { } command)
{
    return await command(args[1..], Console.Out, Console.Error);
}

// Content root = the app's own folder, where the repository's appsettings.json is copied, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (StartupErrors.Find(builder.Configuration) is { } error)
{
    return await StartupErrors.ReportAsync(error);
}

builder.ListenOnConfiguredAddresses();
builder.AddServiceLogging();
builder.AddHealthService(); // custom checks chain on: .AddCheck<MyCheck>("my-check")
builder.StopWithinHealthShutdownTimeout();
builder.AddOtlpMetricsExport();
builder.AddGrpcHealth();

var app = builder.Build();
app.UseServiceRequestLogging();
app.MapHealthService();
app.MapGrpcHealth();
return await app.RunServiceAsync();

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
