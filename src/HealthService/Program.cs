using HealthService.Cli;
using HealthService.Configuration;
using HealthService.Endpoints;
using HealthService.Hosting;
using HealthService.Logging;
using HealthService.Pipeline;

// `HealthService probe ...` (the self-probe for container health checks and deploy gates) and `HealthService details`
// (the detailed view, for operators inside the container or on the host): commands, no host is built.
if (args is [ProbeCommand.Name, ..])
{
    return await ProbeCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

if (args is [DetailsCommand.Name, ..])
{
    return await DetailsCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

// Content root = the app's own folder, where the repository's appsettings.json is copied, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (ConfigurationGuard.FindError(builder.Configuration) is { } error)
{
    await Console.Error.WriteLineAsync($"HealthService: configuration error: {error}");
    return ConfigurationGuard.ConfigurationErrorExitCode;
}

builder.ListenOnConfiguredAddresses();
builder.AddServiceLogging();
builder.Services.AddHealthPipeline(builder.Configuration);
// Custom checks: builder.Services.AddHealthChecks().AddCheck<MyCheck>("my-check");

var app = builder.Build();
app.UseServiceRequestLogging();
app.MapHealthEndpoints();
try
{
    await app.RunAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex) when (System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly)
{
    // A check added in code that breaks a rule (a duplicate name, a deadline against the schedule): one line, as above.
    // Hosted by another entry point (WebApplicationFactory), the exception goes to that host instead.
    await Console.Error.WriteLineAsync($"HealthService: configuration error: {string.Join(" ", ex.Failures)}");
    return ConfigurationGuard.ConfigurationErrorExitCode;
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly)
{
    // A port already taken (by another instance on the same host, say): one line instead of a stack trace.
    await Console.Error.WriteLineAsync($"HealthService: cannot listen: {ex.Message}");
    return ConfigurationGuard.ConfigurationErrorExitCode;
}

return 0;

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
