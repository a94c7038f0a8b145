using System.Net;

namespace HealthService.Probes.Dns;

/// <summary>What <c>Health:Dns:&lt;name&gt;:Host</c> and <c>:Server</c> accept.</summary>
internal static class DnsServerAddress
{
    /// <summary>
    /// An IP address with an optional port (53 when left out): <c>169.254.169.253:53</c>, <c>10.0.0.2</c>,
    /// <c>[fd00:ec2::253]:53</c>. A name is refused: resolving the resolver would need a resolver.
    /// </summary>
    public static IPEndPoint? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || !IPEndPoint.TryParse(value.Trim(), out var endpoint))
        {
            return null;
        }

        return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
    }

    /// <summary>
    /// A DNS host name: dot-separated labels of letters, digits, hyphens (and underscores, which private zones use),
    /// each 1-63 characters not starting or ending with a hyphen, 253 characters at most, one trailing dot allowed.
    /// An IP address is not a name: there would be nothing to resolve.
    /// </summary>
    public static bool IsHostName(string? value)
    {
        if (string.IsNullOrEmpty(value) || IPAddress.TryParse(value, out _))
        {
            return false;
        }

        var name = value.EndsWith('.') ? value[..^1] : value;
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
