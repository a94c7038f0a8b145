using HealthService.Endpoints;

namespace HealthService.Cli;

/// <summary>
/// Where the operator commands (<c>details</c>, <c>maintenance</c>) reach the service: by default its local listener,
/// 127.0.0.1:<c>Health:Details:LocalPort</c>, read from the same settings the service reads, which needs no key; with
/// <c>--url</c>, that address, sending <c>Health:Details:ApiKey</c> when one is configured.
/// </summary>
internal static class OperatorTarget
{
    public static bool TryResolve(Dictionary<string, string> values, IConfiguration configuration, string path, out Uri url, out string? key, out string problem)
    {
        url = null!;
        key = null;
        problem = "";
        if (values.TryGetValue("--url", out var text))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            {
                problem = $"--url needs an absolute http(s) URL (was '{text}')";
                return false;
            }

            url = parsed;
            key = configuration["Health:Details:ApiKey"] is { Length: > 0 } configured ? configured : null;
            return true;
        }

        var section = configuration.GetSection("Health:Details");
        if (!section.GetValue<bool>(nameof(DetailsOptions.Enabled)))
        {
            problem = "the operator endpoints are off: set Health:Details:Enabled=true for the service (and here), or give --url";
            return false;
        }

        if (!int.TryParse(section[nameof(DetailsOptions.LocalPort)] ?? DetailsOptions.DefaultLocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            problem = "Health:Details:LocalPort is 0 or not a port: the service has no local listener; give --url and set Health:Details:ApiKey";
            return false;
        }

        url = new Uri($"http://127.0.0.1:{port}{path}");
        return true;
    }
}
