using System.Net;
using System.Security.Cryptography;
using System.Text;
using HealthService.Configuration;
using Microsoft.Extensions.Options;

namespace HealthService.Endpoints;

/// <summary>Who a caller of the operator endpoints is, which decides what it may do there.</summary>
internal enum OperatorCaller
{
    /// <summary>Not admitted: answered exactly as an unknown path.</summary>
    None,

    /// <summary>On the local listener: every right.</summary>
    Local,

    /// <summary>With <c>Health:Details:ApiKey</c>: reads the detailed view and the maintenance state.</summary>
    DetailsKey,

    /// <summary>With <c>Health:Maintenance:ApiKey</c>: turns maintenance on and off and reads its state, not the view.</summary>
    MaintenanceKey,
}

/// <summary>
/// Who may use the operator endpoints (the detailed view, maintenance): nobody unless <c>Health:Details:Enabled</c>;
/// then a connection on the local listener (bound to 127.0.0.1 only) without a key, with every right, and a caller
/// that sends a key with the rights of that key: <c>Health:Details:ApiKey</c> reads, <c>Health:Maintenance:ApiKey</c>
/// takes the instance out of rotation and puts it back. Two keys, so that a dashboard given the key to read cannot take
/// every instance out. Never by the caller's address: a proxy beside the service makes every caller look local.
/// </summary>
internal sealed class OperatorAccess(IOptions<HealthServiceOptions> options)
{
    // Read on first use, not when the endpoints are mapped: options are validated when the host starts.
    private readonly Lazy<(bool Enabled, int LocalPort, byte[]? DetailsKeyHash, byte[]? MaintenanceKeyHash)> _settings = new(() => (
        options.Value.Details.Enabled,
        options.Value.Details.LocalPort,
        HashOf(options.Value.Details.ApiKey),
        HashOf(options.Value.Maintenance.ApiKey)));

    /// <summary>Who the caller is; <see cref="OperatorCaller.None"/> when it is not admitted at all.</summary>
    public OperatorCaller Identify(HttpContext context)
    {
        var (enabled, localPort, detailsKeyHash, maintenanceKeyHash) = _settings.Value;
        if (!enabled)
        {
            return OperatorCaller.None;
        }

        // A connection that arrived on the local listener did come from this machine.
        var connection = context.Connection;
        if (localPort > 0 && connection.LocalPort == localPort && connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local))
        {
            return OperatorCaller.Local;
        }

        if ((detailsKeyHash is null && maintenanceKeyHash is null)
            || !context.Request.Headers.TryGetValue(DetailsOptions.ApiKeyHeader, out var sent)
            || sent.Count != 1)
        {
            return OperatorCaller.None;
        }

        // Comparing fixed-length hashes in constant time reveals neither a key nor its length through timing. The
        // details key is tried first: should both ever be equal, the caller gets the lesser right.
        var hash = Hash(sent[0] ?? "");
        return detailsKeyHash is not null && CryptographicOperations.FixedTimeEquals(hash, detailsKeyHash) ? OperatorCaller.DetailsKey
            : maintenanceKeyHash is not null && CryptographicOperations.FixedTimeEquals(hash, maintenanceKeyHash) ? OperatorCaller.MaintenanceKey
            : OperatorCaller.None;
    }

    /// <summary>The detailed view shows every dependency: the local listener and the details key only.</summary>
    public static bool MayReadDetails(OperatorCaller caller) => caller is OperatorCaller.Local or OperatorCaller.DetailsKey;

    /// <summary>The maintenance state: any admitted caller, so that the maintenance command can show what it did.</summary>
    public static bool MayReadMaintenance(OperatorCaller caller) => caller is not OperatorCaller.None;

    /// <summary>Turning maintenance on or off: the local listener and the maintenance key only.</summary>
    public static bool MayChangeMaintenance(OperatorCaller caller) => caller is OperatorCaller.Local or OperatorCaller.MaintenanceKey;

    /// <summary>The right a caller used, for the audit log and the maintenance state's <c>by</c>: never the key itself.</summary>
    public static string Name(OperatorCaller caller) => caller switch
    {
        OperatorCaller.Local => "local",
        OperatorCaller.DetailsKey => "details key",
        OperatorCaller.MaintenanceKey => "maintenance key",
        _ => "none",
    };

    private static byte[]? HashOf(string? key) => key is { Length: > 0 } ? Hash(key) : null;

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
