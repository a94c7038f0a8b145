using HealthService.Probes.Tcp;
using HealthService.Probes.Tls;

namespace HealthService.Configuration;

/// <summary>Start-up checks of <c>Health:Tcp</c> and <c>Health:Tls</c>, each message naming its key.</summary>
internal static class NetworkProbeValidation
{
    public static void Validate(List<string> errors, HealthServiceOptions options)
    {
        foreach (var (name, tcp) in options.Tcp)
        {
            var key = $"{options.SectionPath}:Tcp:{name}";
            ValidateTimeout(errors, key, tcp.Timeout, options);
            ValidateAddress(errors, key, tcp.Address);
        }

        foreach (var (name, tls) in options.Tls)
        {
            var key = $"{options.SectionPath}:Tls:{name}";
            ValidateTimeout(errors, key, tls.Timeout, options);
            ValidateAddress(errors, key, tls.Address);
            if (tls.ServerName is { Length: > 0 } serverName && Uri.CheckHostName(serverName) == UriHostNameType.Unknown)
            {
                errors.Add($"{key}:ServerName must be a host name or IP address (was '{serverName}').");
            }

            if (tls.ExpiresWithin < TlsProbeOptions.MinExpiresWithin || tls.ExpiresWithin > TlsProbeOptions.MaxExpiresWithin)
            {
                errors.Add($"{key}:ExpiresWithin must be from 1 day to 365 days, e.g. 14.00:00:00 (was {tls.ExpiresWithin}).");
            }
        }
    }

    private static void ValidateAddress(List<string> errors, string key, string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            errors.Add($"{key}:Address is required: host:port, e.g. cache.internal:6379.");
        }
        else if (!HostPort.TryParse(address, out _))
        {
            errors.Add($"{key}:Address must be host:port with a port from 1 to 65535 (was '{address}').");
        }
    }

    private static void ValidateTimeout(List<string> errors, string key, TimeSpan? timeout, HealthServiceOptions options)
    {
        if (timeout is { } value)
        {
            HealthServiceOptionsValidator.ValidateTimeout(errors, $"{key}:Timeout", value, options.Interval, options.SectionPath);
        }
    }
}
