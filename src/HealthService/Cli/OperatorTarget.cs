using HealthService.Endpoints;

namespace HealthService.Cli;

/// <summary>What an operator command asks of the service, which decides the key it sends.</summary>
internal enum OperatorRequest
{
    /// <summary>The detailed view: the details key only.</summary>
    ReadDetails,

    /// <summary>The maintenance state: the details key, else the maintenance key (both read it).</summary>
    ReadMaintenance,

    /// <summary>Maintenance on or off: the maintenance key, else the details key, so the service can say what it needs.</summary>
    ChangeMaintenance,
}

/// <summary>
/// Where the operator commands (<c>details</c>, <c>maintenance</c>) reach the service: by default its local listener,
/// 127.0.0.1:<c>Health:Details:LocalPort</c>, read from the same settings the service reads, which needs no key; with
/// <c>--url</c>, that address, sending the key the request needs when one is configured.
/// </summary>
internal static class OperatorTarget
{
    /// <summary>The key that reads: the detailed view and the maintenance state.</summary>
    public const string DetailsKey = "Health:Details:ApiKey";

    /// <summary>The key that turns maintenance on and off (and reads its state, not the view).</summary>
    public const string MaintenanceKey = "Health:Maintenance:ApiKey";

    /// <summary>Resolves the address, and with <c>--url</c> the key to send for <paramref name="request"/>, with its setting's name.</summary>
    public static bool TryResolve(Dictionary<string, string> values, IConfiguration configuration, string path, OperatorRequest request,
        out Uri url, out (string Name, string Value)? key, out string problem)
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
            (string, string)? details = configuration[DetailsKey] is { Length: > 0 } read ? (DetailsKey, read) : null;
            (string, string)? maintenance = configuration[MaintenanceKey] is { Length: > 0 } change ? (MaintenanceKey, change) : null;
            key = request switch
            {
                OperatorRequest.ReadDetails => details,
                OperatorRequest.ReadMaintenance => details ?? maintenance,
                _ => maintenance ?? details,
            };
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
            problem = $"Health:Details:LocalPort is 0 or not a port: the service has no local listener; give --url and set {(request == OperatorRequest.ChangeMaintenance ? MaintenanceKey : DetailsKey)}";
            return false;
        }

        url = new Uri($"http://127.0.0.1:{port}{path}");
        return true;
    }
}
