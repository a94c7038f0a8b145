using HealthService.Probes.Http;

namespace HealthService.Configuration;

/// <summary>
/// The checks shared by every configured HTTP target (dependency probes, alert webhooks): an absolute http(s) URL
/// and headers the HTTP stack will send (<see cref="ConfiguredHeaders"/>). Messages name the key and never repeat a
/// URL or header value.
/// </summary>
internal static class HttpTargetValidation
{
    public static void Validate(List<string> errors, string key, string? url, IReadOnlyDictionary<string, string> headers)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{key}:Url must be an absolute http or https URL.");
        }

        foreach (var (header, value) in headers)
        {
            if (ConfiguredHeaders.Problem(header, value) is { } problem)
            {
                errors.Add($"{key}:Headers:{header} {problem}.");
            }
        }
    }
}
