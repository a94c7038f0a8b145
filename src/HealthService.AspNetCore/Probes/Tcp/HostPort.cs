using System.Globalization;

namespace HealthService.Probes.Tcp;

/// <summary>A <c>host:port</c> address as the TCP and TLS probes take it: a name or IP address (IPv6 in brackets) and a port from 1 to 65535.</summary>
internal readonly record struct HostPort(string Host, int Port)
{
    /// <summary>Parses an address that start-up validation accepted.</summary>
    public static HostPort Parse(string? address) =>
        TryParse(address, out var parsed) ? parsed : throw new FormatException("The address is not host:port with a port from 1 to 65535.");

    public static bool TryParse(string? address, out HostPort parsed)
    {
        parsed = default;
        var colon = address?.LastIndexOf(':') ?? -1;
        if (colon <= 0)
        {
            return false;
        }

        var host = address![..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (Uri.CheckHostName(host) != UriHostNameType.IPv6)
            {
                return false;
            }
        }
        else if (host.Contains(':', StringComparison.Ordinal) || Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.IPv6)
        {
            return false;
        }

        if (!int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        parsed = new HostPort(host, port);
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
