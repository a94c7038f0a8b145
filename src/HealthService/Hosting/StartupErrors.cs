using HealthService.Configuration;
using HealthService.Endpoints;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace HealthService.Hosting;

/// <summary>
/// Turns what stops start-up into one line on stderr and exit code 78 (EX_CONFIG): a bad setting, a check added in
/// code that breaks a rule, a port already taken. No stack trace, and never a secret value.
/// </summary>
internal static class StartupErrors
{
    /// <summary>Every problem in the configuration, or null: the <c>Health</c> section, and where the service listens.</summary>
    public static string? Find(IConfiguration configuration) => ConfigurationGuard.FindError(configuration) ?? LocalPortClash(configuration);

    public static async Task<int> ReportAsync(string error)
    {
        await Console.Error.WriteLineAsync($"HealthService: configuration error: {error}").ConfigureAwait(false);
        return ConfigurationGuard.ConfigurationErrorExitCode;
    }

    /// <summary>Runs the service; what stops it from starting is reported in one line.</summary>
    public static async Task<int> RunServiceAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (OptionsValidationException ex) when (IsOwnProcess)
        {
            // A check added in code that breaks a rule (a duplicate name, a deadline against the schedule).
            return await ReportAsync(string.Join(" ", ex.Failures)).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException && IsOwnProcess)
        {
            // A port already taken (by another instance on the same host, say).
            await Console.Error.WriteLineAsync($"HealthService: cannot listen: {ex.Message}").ConfigureAwait(false);
            return ConfigurationGuard.ConfigurationErrorExitCode;
        }
    }

    // Hosted by another entry point (WebApplicationFactory in the tests), the exception goes to that host instead.
    private static bool IsOwnProcess => System.Reflection.Assembly.GetEntryAssembly() == typeof(StartupErrors).Assembly;

    /// <summary>The local listener's port must not be one the service already listens on publicly.</summary>
    private static string? LocalPortClash(IConfiguration configuration)
    {
        if (DetailsOptions.LocalUrl(configuration) is not { } local)
        {
            return null;
        }

        var port = local[local.LastIndexOf(':')..];
        var clash = ListenAddresses.PublicUrls(configuration)?.FirstOrDefault(url => url.TrimEnd('/').EndsWith(port, StringComparison.Ordinal));
        return clash is null ? null
            : $"Health:Details:LocalPort ({port[1..]}) is also a public listen address ({clash}): the local listener needs a port of its own.";
    }
}
