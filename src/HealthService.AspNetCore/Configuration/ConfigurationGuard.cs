using Microsoft.Extensions.Options;

namespace HealthService.Configuration;

/// <summary>
/// Validates the configuration before the host is built, so that a bad value ends start-up with one line naming
/// the key rather than a logged stack trace from the host.
/// </summary>
/// <remarks>
/// The same binding and validator also run through <c>ValidateOnStart</c>; this guard only moves the failure
/// earlier, to where it can be reported plainly.
/// </remarks>
public static class ConfigurationGuard
{
    /// <summary>Exit code for a configuration error (EX_CONFIG from sysexits.h).</summary>
    public const int ConfigurationErrorExitCode = 78;

    /// <summary>Binds options the way the host will, naming unknown and malformed keys.</summary>
    public static readonly Action<BinderOptions> Binding = binder => binder.ErrorOnUnknownConfiguration = true;

    /// <summary>Returns null when the configuration is valid, else one line describing every problem found.</summary>
    public static string? FindError(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(HealthServiceOptions.SectionName);
        if (UnknownSettings.Find(section, typeof(HealthServiceOptions)) is { } unknown)
        {
            return $"{unknown} is not a known setting (every key is listed in docs/configuration.md).";
        }

        HealthServiceOptions options;
        try
        {
            options = section.Get<HealthServiceOptions>(Binding) ?? new HealthServiceOptions();
        }
        catch (InvalidOperationException ex)
        {
            // "Failed to convert configuration value 'abc' at 'Health:Interval' to type 'System.TimeSpan'."
            return ex.Message.ReplaceLineEndings(" ");
        }

        var result = new HealthServiceOptionsValidator().Validate(Options.DefaultName, options);
        return result.Failed ? string.Join(" ", result.Failures) : null;
    }
}
