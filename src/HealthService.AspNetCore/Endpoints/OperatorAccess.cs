using System.Net;
using System.Security.Cryptography;
using System.Text;
using HealthService.Configuration;
using Microsoft.Extensions.Options;

namespace HealthService.Endpoints;

/// <summary>
/// Who may use the operator endpoints (the detailed view, maintenance): nobody unless <c>Health:Details:Enabled</c>;
/// then a connection on the local listener (bound to 127.0.0.1 only) without a key, and any caller that sends
/// <c>Health:Details:ApiKey</c>. Never by the caller's address: a proxy beside the service makes every caller look local.
/// </summary>
internal sealed class OperatorAccess(IOptions<HealthServiceOptions> options)
{
    /// <summary>How a caller was admitted, for the log: on the local listener.</summary>
    public const string Local = "local";

    /// <summary>How a caller was admitted, for the log: with the key.</summary>
    public const string Key = "key";

    // Read on first use, not when the endpoints are mapped: options are validated when the host starts.
    private readonly Lazy<(bool Enabled, int LocalPort, byte[]? KeyHash)> _settings = new(() => (
        options.Value.Details.Enabled,
        options.Value.Details.LocalPort,
        options.Value.Details.ApiKey is { Length: > 0 } key ? Hash(key) : null));

    /// <summary>How the caller is admitted (<see cref="Local"/> or <see cref="Key"/>), or null when it is not.</summary>
    public string? Admits(HttpContext context)
    {
        var (enabled, localPort, keyHash) = _settings.Value;
        if (!enabled)
        {
            return null;
        }

        // A connection that arrived on the local listener did come from this machine.
        var connection = context.Connection;
        if (localPort > 0 && connection.LocalPort == localPort && connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local))
        {
            return Local;
        }

        // Comparing fixed-length hashes in constant time reveals neither the key nor its length through timing.
        return keyHash is not null
            && context.Request.Headers.TryGetValue(DetailsOptions.ApiKeyHeader, out var sent)
            && sent.Count == 1
            && CryptographicOperations.FixedTimeEquals(Hash(sent[0] ?? ""), keyHash)
            ? Key
            : null;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
