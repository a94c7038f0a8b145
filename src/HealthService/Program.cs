using HealthService.Cli;
using HealthService.Configuration;
using HealthService.Endpoints;
using HealthService.Hosting;
using HealthService.Logging;
using HealthService.Pipeline;

// `HealthService probe ...`: the self-probe for container health checks and deploy gates; no host is built.
if (args is [ProbeCommand.Name, ..])
{
    return await ProbeCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

// Content root = the app's own folder, where the repository's appsettings.json is copied, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (ConfigurationGuard.FindError(builder.Configuration) is { } error)
{
    await Console.Error.WriteLineAsync($"HealthService: configuration error: {error}");
    return ConfigurationGuard.ConfigurationErrorExitCode;
}

builder.ListenOnPort8080UnlessConfigured();
builder.AddServiceLogging();
builder.Services.AddHealthPipeline(builder.Configuration);
// Custom checks: builder.Services.AddHealthChecks().AddCheck<MyCheck>("my-check");

var app = builder.Build();
app.UseServiceRequestLogging();
app.MapHealthEndpoints();
await app.RunAsync();
return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
