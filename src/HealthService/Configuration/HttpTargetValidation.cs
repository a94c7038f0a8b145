using System.Text.RegularExpressions;

namespace HealthService.Configuration;

/// <summary>
/// The checks shared by every configured HTTP target (dependency probes, alert webhooks): an absolute http(s) URL
/// and headers that can be sent as given. Messages name the key and never repeat a URL or header value.
/// </summary>
internal static partial class HttpTargetValidation
{
    public static void Validate(List<string> errors, string key, string? url, IReadOnlyDictionary<string, string> headers)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{key}:Url must be an absolute http or https URL.");
        }

        foreach (var (header, value) in headers)
        {
            if (!HeaderName().IsMatch(header) || value.AsSpan().ContainsAny('\r', '\n'))
            {
                errors.Add($"{key}:Headers:{header} must be a valid header name with a single-line value.");
            }
        }
    }

    // RFC 9110 token characters.
    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();
}
