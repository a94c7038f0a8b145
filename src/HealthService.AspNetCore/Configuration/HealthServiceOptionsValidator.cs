using HealthService.Probes.Resources;
using Microsoft.Extensions.Options;

namespace HealthService.Configuration;

/// <summary>
/// Checks the <c>Health</c> section at start-up. Every message starts with the configuration key it is about,
/// because that is what an operator has to change.
/// </summary>
internal sealed class HealthServiceOptionsValidator : IValidateOptions<HealthServiceOptions>
{
    private const int MinApiKeyLength = 16;
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    // A day is far beyond any useful staleness bound, and keeps timestamp arithmetic far from overflowing.
    private static readonly TimeSpan MaxMaxAge = TimeSpan.FromDays(1);

    // ECS allows at most 120 s between SIGTERM and SIGKILL on Fargate; five minutes covers EC2 hooks too.
    private static readonly TimeSpan MaxDrain = TimeSpan.FromMinutes(5);

    // A Watch stream costs a few kilobytes while open; ten thousand is already more clients than one instance should
    // have watching it, and keeps a mistyped value from removing the bound.
    private const int MaxWatchStreams = 10_000;

    // A minute shows at least a few rounds; a day is as far as memory should be asked to reach back (the logs and
    // metrics keep the rest). Entries: enough for any window to mean something, and a bound a typo cannot remove.
    private static readonly TimeSpan MinHistoryWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxHistoryWindow = TimeSpan.FromDays(1);
    private const int MinHistoryEntries = 10;
    private const int MaxHistoryEntries = 100_000;

    public ValidateOptionsResult Validate(string? name, HealthServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var section = options.SectionPath;

        if (options.Interval <= TimeSpan.Zero || options.Interval > MaxInterval)
        {
            errors.Add($"{section}:Interval must be greater than zero and at most {MaxInterval} (was {options.Interval}).");
        }
        else
        {
            ValidateTimeout(errors, $"{section}:Timeout", options.Timeout, options.Interval, section);
            if (options.MaxAge is { } maxAge && (maxAge <= options.Interval + options.Timeout || maxAge > MaxMaxAge))
            {
                errors.Add($"{section}:MaxAge must be longer than {section}:Interval plus {section}:Timeout ({options.Interval + options.Timeout}), or a fresh snapshot could count as stale, and at most {MaxMaxAge} (was {maxAge}).");
            }
            else
            {
                ValidateCriticalDeadlines(errors, options);
            }

            ValidateDamping(errors, options);
            ValidateProbeIntervals(errors, options);

            ValidateResourceProbe(errors, $"{section}:Memory", options.Memory, options.Interval, section);
            ValidateResourceProbe(errors, $"{section}:Cpu", options.Cpu, options.Interval, section);
            ValidateResourceProbe(errors, $"{section}:Disk", options.Disk, options.Interval, section);
            DependencyProbeValidation.Validate(errors, options);
            NetworkProbeValidation.Validate(errors, options);
            Alerts.AlertOptionsValidation.Validate(errors, options.Alerts, $"{section}:Alerts");
        }

        Telemetry.CloudWatch.CloudWatchMetricsValidation.Validate(errors, options.Metrics.CloudWatch, $"{section}:Metrics:CloudWatch");

        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > MaxDrain)
        {
            errors.Add($"{section}:DrainDelay must be between 0 and {MaxDrain} (was {options.DrainDelay}).");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero || options.ShutdownTimeout > MaxDrain)
        {
            errors.Add($"{section}:ShutdownTimeout must be greater than zero and at most {MaxDrain} (was {options.ShutdownTimeout}).");
        }

        if (options.Details.LocalPort is < 0 or > 65535)
        {
            errors.Add($"{section}:Details:LocalPort must be a port number (1-65535), or 0 for no local listener (was {options.Details.LocalPort}).");
        }

        if (options.Grpc.Port is < 1 or > 65535)
        {
            errors.Add($"{section}:Grpc:Port must be a port number (1-65535) (was {options.Grpc.Port}).");
        }

        if (options.Grpc.MaxWatchStreams is < 1 or > MaxWatchStreams)
        {
            errors.Add($"{section}:Grpc:MaxWatchStreams must be between 1 and {MaxWatchStreams} (was {options.Grpc.MaxWatchStreams}).");
        }

        if (options.History.Window < MinHistoryWindow || options.History.Window > MaxHistoryWindow)
        {
            errors.Add($"{section}:History:Window must be between {MinHistoryWindow} and {MaxHistoryWindow} (was {options.History.Window}).");
        }

        if (options.History.MaxEntries is < MinHistoryEntries or > MaxHistoryEntries)
        {
            errors.Add($"{section}:History:MaxEntries must be between {MinHistoryEntries} and {MaxHistoryEntries} (was {options.History.MaxEntries}).");
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

        ValidateMaintenanceKey(errors, options);

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

    /// <summary>
    /// The maintenance key is a right of its own: a dashboard given the key to read must not be able to take every
    /// instance out of rotation, so the two keys must differ.
    /// </summary>
    private static void ValidateMaintenanceKey(List<string> errors, HealthServiceOptions options)
    {
        var section = options.SectionPath;
        if (options.Maintenance.ApiKey is not { } key)
        {
            return;
        }

        if (!options.Details.Enabled)
        {
            errors.Add($"{section}:Maintenance:ApiKey is set but {section}:Details:Enabled is false: set Enabled to true to serve the maintenance endpoint.");
        }
        else if (key.Length < MinApiKeyLength || key.Any(char.IsWhiteSpace))
        {
            errors.Add($"{section}:Maintenance:ApiKey must be at least {MinApiKeyLength} characters without spaces.");
        }
        else if (key == options.Details.ApiKey)
        {
            errors.Add($"{section}:Maintenance:ApiKey and {section}:Details:ApiKey must differ: the details key only reads, and a caller given it could otherwise take the instance out of rotation.");
        }
    }

    /// <summary>A probe's own interval: from <c>Health:Interval</c> (and never under 1 s) to 1 hour.</summary>
    private static void ValidateProbeIntervals(List<string> errors, HealthServiceOptions options)
    {
        var shortest = options.Interval > TimeSpan.FromSeconds(1) ? options.Interval : TimeSpan.FromSeconds(1);
        foreach (var probe in ConfiguredProbes.Of(options))
        {
            if (probe.Interval is { } every && (every < shortest || every > MaxInterval))
            {
                errors.Add($"{probe.Key}:Interval must be from {shortest} ({options.SectionPath}:Interval, and at least 1 s) to {MaxInterval} (was {every}).");
            }
        }
    }

    /// <summary>Flap-damping thresholds: 1 (no damping) to 10.</summary>
    private static void ValidateDamping(List<string> errors, HealthServiceOptions options)
    {
        foreach (var probe in ConfiguredProbes.Of(options))
        {
            if (probe.FailuresBeforeUnhealthy is < 1 or > 10)
            {
                errors.Add($"{probe.Key}:FailuresBeforeUnhealthy must be from 1 to 10 (was {probe.FailuresBeforeUnhealthy}).");
            }

            if (probe.SuccessesBeforeHealthy is < 1 or > 10)
            {
                errors.Add($"{probe.Key}:SuccessesBeforeHealthy must be from 1 to 10 (was {probe.SuccessesBeforeHealthy}).");
            }
        }
    }

    /// <summary>
    /// A critical probe's result must be renewed before it counts as stale: the interval plus its deadline must be
    /// shorter than <c>Health:MaxAge</c>. Reporting-only probes have no such bound: their age never decides <c>/health</c>.
    /// </summary>
    private static void ValidateCriticalDeadlines(List<string> errors, HealthServiceOptions options)
    {
        var maxAge = options.EffectiveMaxAge;
        foreach (var probe in ConfiguredProbes.Of(options))
        {
            if (probe.Enabled && probe.Critical && probe.Timeout is { } deadline && deadline > TimeSpan.Zero && options.Interval + deadline >= maxAge)
            {
                errors.Add($"{probe.Key}:Timeout ({deadline}) plus {options.SectionPath}:Interval ({options.Interval}) must be shorter than {options.SectionPath}:MaxAge ({maxAge}) for a critical probe, or its result could go stale before the next one arrives.");
            }
        }
    }

    /// <summary>A probe deadline must be positive and no longer than the interval, or rounds would overlap.</summary>
    internal static void ValidateTimeout(List<string> errors, string key, TimeSpan timeout, TimeSpan interval, string section)
    {
        if (timeout <= TimeSpan.Zero || timeout > interval)
        {
            errors.Add($"{key} must be greater than zero and no longer than {section}:Interval ({interval}) (was {timeout}).");
        }
    }

    private static void ValidateResourceProbe(List<string> errors, string key, ResourceProbeOptions probe, TimeSpan interval, string section)
    {
        if (probe.Timeout is { } timeout)
        {
            ValidateTimeout(errors, $"{key}:Timeout", timeout, interval, section);
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
