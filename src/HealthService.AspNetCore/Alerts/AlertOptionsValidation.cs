using HealthService.Alerts.Formats;

namespace HealthService.Alerts;

/// <summary>Start-up checks of <c>Health:Alerts</c>; messages name the key and never repeat a URL, header value or routing key.</summary>
internal static class AlertOptionsValidation
{
    public const string Section = "Health:Alerts";
    public const int MaxAttemptsLimit = 20;
    public const int QueueCapacityLimit = 10_000;
    public static readonly TimeSpan CoolDownLimit = TimeSpan.FromDays(1);
    public static readonly TimeSpan TimeoutLimit = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan RetryDelayLimit = TimeSpan.FromMinutes(10);

    /// <param name="section">Where the options were read (the constant by default): messages name keys under it.</param>
    public static void Validate(List<string> errors, AlertOptions options, string section = Section)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);

        foreach (var (name, webhook) in options.Webhooks)
        {
            var key = $"{section}:Webhooks:{name}";
            var format = AlertFormats.Canonical(webhook.Format);
            if (format is null)
            {
                errors.Add($"{key}:Format must be one of {string.Join(", ", AlertFormats.Names)}.");
            }

            var url = webhook.Url ?? (format is null ? null : AlertFormats.DefaultUrl(format));
            Configuration.HttpTargetValidation.Validate(errors, key, url, webhook.Headers);
            if (format is not null && AlertFormats.NeedsHttps(format)
                && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                errors.Add($"{key}:Url must be an https URL for the {format} format (http only to a loopback address).");
            }

            if (format == AlertFormats.PagerDuty && string.IsNullOrWhiteSpace(webhook.RoutingKey))
            {
                errors.Add($"{key}:RoutingKey is required for the pagerduty format (the integration key of an Events API v2 integration).");
            }
            else if (format is not null && format != AlertFormats.PagerDuty && webhook.RoutingKey is not null)
            {
                errors.Add($"{key}:RoutingKey is only used by the pagerduty format (Format is {format}).");
            }
        }

        if (options.CoolDown < TimeSpan.Zero || options.CoolDown > CoolDownLimit)
        {
            errors.Add($"{section}:CoolDown must be at least zero and at most {CoolDownLimit} (was {options.CoolDown}).");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeoutLimit)
        {
            errors.Add($"{section}:Timeout must be greater than zero and at most {TimeoutLimit} (was {options.Timeout}).");
        }

        if (options.MaxAttempts is < 1 or > MaxAttemptsLimit)
        {
            errors.Add($"{section}:MaxAttempts must be between 1 and {MaxAttemptsLimit} (was {options.MaxAttempts}).");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > RetryDelayLimit)
        {
            errors.Add($"{section}:RetryDelay must be greater than zero and at most {RetryDelayLimit} (was {options.RetryDelay}).");
        }

        if (options.QueueCapacity is < 1 or > QueueCapacityLimit)
        {
            errors.Add($"{section}:QueueCapacity must be between 1 and {QueueCapacityLimit} (was {options.QueueCapacity}).");
        }

        if (string.IsNullOrWhiteSpace(options.Service))
        {
            errors.Add($"{section}:Service must not be empty.");
        }

        if (options.Instance is not null && string.IsNullOrWhiteSpace(options.Instance))
        {
            errors.Add($"{section}:Instance must not be empty.");
        }
    }
}
