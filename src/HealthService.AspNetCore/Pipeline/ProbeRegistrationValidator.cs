using HealthService.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthService.Pipeline;

/// <summary>
/// Checks every registered probe at start, those added in code included (see <see cref="ProbeDeadlines.FindErrors"/>),
/// so that a bad registration stops start-up with a message naming the probe instead of misbehaving later.
/// </summary>
internal sealed class ProbeRegistrationValidator(IOptions<HealthServiceOptions> health) : IValidateOptions<HealthCheckServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthCheckServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        HealthServiceOptions settings;
        try
        {
            settings = health.Value;
        }
        catch (OptionsValidationException)
        {
            return ValidateOptionsResult.Skip; // the Health section's own validation reports it, naming the key
        }

        var errors = ProbeDeadlines.FindErrors(options.Registrations, settings).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
