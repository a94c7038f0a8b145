using HealthService.Probes.Resources;
using Microsoft.Extensions.Options;

namespace HealthService.Configuration;

/// <summary>
/// Checks the <c>Health</c> section at start-up. Every message starts with the configuration key it is about,
/// because that is what an operator has to change.
/// </summary>
public sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    private const int MinApiKeyLength = 16;
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    // ECS allows at most 120 s between SIGTERM and SIGKILL on Fargate; five minutes covers EC2 hooks too.
    private static readonly TimeSpan MaxDrain = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var section = HealthOptions.SectionName;

        if (options.Interval <= TimeSpan.Zero || options.Interval > MaxInterval)
        {
            errors.Add($"{section}:Interval must be greater than zero and at most {MaxInterval} (was {options.Interval}).");
        }
        else
        {
            ValidateTimeout(errors, $"{section}:Timeout", options.Timeout, options.Interval);
            if (options.MaxAge is { } maxAge && maxAge <= options.Interval + options.Timeout)
            {
                errors.Add($"{section}:MaxAge must be longer than Health:Interval plus Health:Timeout ({options.Interval + options.Timeout}), or a fresh snapshot could count as stale (was {maxAge}).");
            }

            ValidateResourceProbe(errors, $"{section}:Memory", options.Memory, options.Interval);
            ValidateResourceProbe(errors, $"{section}:Cpu", options.Cpu, options.Interval);
            ValidateResourceProbe(errors, $"{section}:Disk", options.Disk, options.Interval);
            DependencyProbeValidation.Validate(errors, options);
            Alerts.AlertOptionsValidation.Validate(errors, options.Alerts);
        }

        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > MaxDrain)
        {
            errors.Add($"{section}:DrainDelay must be between 0 and {MaxDrain} (was {options.DrainDelay}).");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero || options.ShutdownTimeout > MaxDrain)
        {
            errors.Add($"{section}:ShutdownTimeout must be greater than zero and at most {MaxDrain} (was {options.ShutdownTimeout}).");
        }

        if (options.Details.ApiKey is { } apiKey)
        {
            if (!options.Details.Enabled)
            {
                errors.Add($"{section}:Details:ApiKey is set but {section}:Details:Enabled is false: set Enabled to true to serve the detailed view.");
            }
            else if (apiKey.Length < MinApiKeyLength || apiKey.Any(char.IsWhiteSpace))
            {
                errors.Add($"{section}:Details:ApiKey must be at least {MinApiKeyLength} characters without spaces.");
            }
        }

        if (options.Disk.Enabled)
        {
            for (var i = 0; i < options.Disk.Paths.Length; i++)
            {
                var path = options.Disk.Paths[i];
                if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path) || !Directory.Exists(path))
                {
                    errors.Add($"{section}:Disk:Paths:{i} must be an absolute path to an existing directory (was '{path}').");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>A probe deadline must be positive and no longer than the interval, or rounds would overlap.</summary>
    internal static void ValidateTimeout(List<string> errors, string key, TimeSpan timeout, TimeSpan interval)
    {
        if (timeout <= TimeSpan.Zero || timeout > interval)
        {
            errors.Add($"{key} must be greater than zero and no longer than Health:Interval ({interval}) (was {timeout}).");
        }
    }

    private static void ValidateResourceProbe(List<string> errors, string key, ResourceProbeOptions probe, TimeSpan interval)
    {
        if (probe.Timeout is { } timeout)
        {
            ValidateTimeout(errors, $"{key}:Timeout", timeout, interval);
        }

        if (!IsPercent(probe.DegradedPercent) || probe.DegradedPercent <= 0)
        {
            errors.Add($"{key}:DegradedPercent must be a percentage above 0 and at most 100 (was {probe.DegradedPercent}).");
        }
        else if (!IsPercent(probe.UnhealthyPercent) || probe.UnhealthyPercent < probe.DegradedPercent)
        {
            errors.Add($"{key}:UnhealthyPercent must be a percentage at most 100 and not below {key}:DegradedPercent ({probe.DegradedPercent}) (was {probe.UnhealthyPercent}).");
        }
        else if (!IsPercent(probe.HysteresisPercent) || probe.HysteresisPercent >= probe.DegradedPercent)
        {
            errors.Add($"{key}:HysteresisPercent must be at least 0 and below {key}:DegradedPercent ({probe.DegradedPercent}) (was {probe.HysteresisPercent}).");
        }
    }

    private static bool IsPercent(double value) => value is >= 0 and <= 100 && !double.IsNaN(value);
}
