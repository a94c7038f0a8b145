using HealthService.Configuration;
using HealthService.Endpoints;
using HealthService.Grpc;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace HealthService.Hosting;

/// <summary>
/// Turns what stops start-up into one line on stderr and exit code 78 (EX_CONFIG): a bad setting, a check added in
/// code that breaks a rule, a port already taken. No stack trace, and never a secret value.
/// </summary>
internal static class StartupErrors
{
    /// <summary>Every problem in the configuration, or null: the <c>Health</c> section, where the service listens, and the <c>Serilog</c> section.</summary>
    public static string? Find(IConfiguration configuration) =>
        ConfigurationGuard.FindError(configuration) ?? LocalPortClash(configuration) ?? GrpcPortClash(configuration)
        ?? Logging.SerilogSection.Read(configuration).Error;

    public static async Task<int> ReportAsync(string error)
    {
        await Console.Error.WriteLineAsync($"HealthService: configuration error: {error}").ConfigureAwait(false);
        return ConfigurationGuard.ConfigurationErrorExitCode;
    }

    /// <summary>Runs the service; what stops it from starting is reported in one line.</summary>
    public static async Task<int> RunServiceAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var configuration = app.Configuration; // read from the container, which is disposed once the host has run
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
            // A port already taken (by another instance on the same host, say); a port of the service's own settings
            // is named by its key, which is what the operator has to change.
            var key = KeyOfPort(configuration, ex.Message);
            await Console.Error.WriteLineAsync($"HealthService: cannot listen: {ex.Message}{(key is null ? "" : $" Set {key} to a free port.")}").ConfigureAwait(false);
            return ConfigurationGuard.ConfigurationErrorExitCode;
        }
    }

    // Hosted by another entry point (WebApplicationFactory in the tests), the exception goes to that host instead.
    private static bool IsOwnProcess => System.Reflection.Assembly.GetEntryAssembly() == typeof(StartupErrors).Assembly;

    /// <summary>The local listener's port must not be one the service already listens on publicly.</summary>
    private static string? LocalPortClash(IConfiguration configuration)
    {
        if (LocalPort(configuration) is not { } port)
        {
            return null;
        }

        var clash = PublicUrlOn(configuration, port);
        return clash is null ? null
            : $"Health:Details:LocalPort ({port}) is also a public listen address ({clash}): the local listener needs a port of its own.";
    }

    /// <summary>The gRPC port must be neither a public port nor the local listener's.</summary>
    private static string? GrpcPortClash(IConfiguration configuration)
    {
        if (GrpcListener.Port(configuration) is not { } port)
        {
            return null;
        }

        if (PublicUrlOn(configuration, port) is { } clash)
        {
            return $"{GrpcListener.PortKey} ({port}) is also a public listen address ({clash}): the gRPC listener needs a port of its own.";
        }

        return LocalPort(configuration) == port
            ? $"{GrpcListener.PortKey} ({port}) is also Health:Details:LocalPort: the gRPC listener needs a port of its own."
            : null;
    }

    /// <summary>The key of the setting that chose the port in a bind failure's message, or null for a public address.</summary>
    private static string? KeyOfPort(IConfiguration configuration, string message)
    {
        // "Failed to bind to address http://0.0.0.0:8081: address already in use."
        bool Names(int? port) => port is not null && message.Contains($":{port}:", StringComparison.Ordinal);
        return Names(GrpcListener.Port(configuration)) ? GrpcListener.PortKey
            : Names(LocalPort(configuration)) ? "Health:Details:LocalPort"
            : null;
    }

    private static int? LocalPort(IConfiguration configuration) =>
        DetailsOptions.LocalUrl(configuration) is { } local ? ListenAddresses.PortOf(local) : null;

    private static string? PublicUrlOn(IConfiguration configuration, int port) =>
        ListenAddresses.ConfiguredUrls(configuration).FirstOrDefault(url => ListenAddresses.PortOf(url) == port);
}
