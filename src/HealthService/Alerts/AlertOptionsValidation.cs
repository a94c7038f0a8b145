using System.Text.RegularExpressions;

namespace HealthService.Alerts;

/// <summary>Start-up checks of <c>Health:Alerts</c>; messages name the key and never repeat a URL or header value.</summary>
internal static partial class AlertOptionsValidation
{
    public const string Section = "Health:Alerts";
    public const int MaxAttemptsLimit = 20;
    public const int QueueCapacityLimit = 10_000;
    public static readonly TimeSpan CoolDownLimit = TimeSpan.FromDays(1);
    public static readonly TimeSpan TimeoutLimit = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan RetryDelayLimit = TimeSpan.FromMinutes(10);

    public static void Validate(List<string> errors, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);

        foreach (var (name, webhook) in options.Webhooks)
        {
            var key = $"{Section}:Webhooks:{name}";
            if (!IsHttpUrl(webhook.Url))
            {
                errors.Add($"{key}:Url must be an absolute http or https URL.");
            }

            foreach (var (header, value) in webhook.Headers)
            {
                if (!HeaderName().IsMatch(header) || value.AsSpan().ContainsAny('\r', '\n'))
                {
                    errors.Add($"{key}:Headers:{header} must be a valid header name with a single-line value.");
                }
            }
        }

        if (options.CoolDown < TimeSpan.Zero || options.CoolDown > CoolDownLimit)
        {
            errors.Add($"{Section}:CoolDown must be at least zero and at most {CoolDownLimit} (was {options.CoolDown}).");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeoutLimit)
        {
            errors.Add($"{Section}:Timeout must be greater than zero and at most {TimeoutLimit} (was {options.Timeout}).");
        }

        if (options.MaxAttempts is < 1 or > MaxAttemptsLimit)
        {
            errors.Add($"{Section}:MaxAttempts must be between 1 and {MaxAttemptsLimit} (was {options.MaxAttempts}).");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > RetryDelayLimit)
        {
            errors.Add($"{Section}:RetryDelay must be greater than zero and at most {RetryDelayLimit} (was {options.RetryDelay}).");
        }

        if (options.QueueCapacity is < 1 or > QueueCapacityLimit)
        {
            errors.Add($"{Section}:QueueCapacity must be between 1 and {QueueCapacityLimit} (was {options.QueueCapacity}).");
        }

        if (string.IsNullOrWhiteSpace(options.Service))
        {
            errors.Add($"{Section}:Service must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Instance))
        {
            errors.Add($"{Section}:Instance must not be empty.");
        }
    }

    private static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    // RFC 9110 token characters.
    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();
}
