namespace HealthService.Configuration;

/// <summary>
/// <c>Health:Grpc</c>: the gRPC health checking protocol (<c>grpc.health.v1.Health</c>), served by the standalone
/// HealthService on a port of its own.
/// </summary>
/// <remarks>
/// The library checks these keys, so that one <c>Health</c> section configures both the library and the standalone
/// service, but it serves nothing on them: the protocol lives in the standalone service, so that applications
/// referencing the library take no gRPC dependency. The key names are a public contract: deployment templates set
/// <c>Health__Grpc__Enabled</c> and <c>Health__Grpc__Port</c>.
/// </remarks>
public sealed class GrpcOptions
{
    /// <summary>The default of <see cref="Port"/>.</summary>
    public const int DefaultPort = 8081;

    /// <summary>The default of <see cref="MaxWatchStreams"/>.</summary>
    public const int DefaultMaxWatchStreams = 100;

    /// <summary>Off by default. On: the standalone service answers <c>grpc.health.v1.Health</c> on <see cref="Port"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>The port of the gRPC listener (HTTP/2 without TLS, on every interface): 1-65535.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// How many <c>Watch</c> streams may be open at once, of every service name together: 1-10000 (default 100).
    /// Beyond it a new <c>Watch</c> fails with <c>RESOURCE_EXHAUSTED</c>; <c>Check</c> is never refused.
    /// </summary>
    public int MaxWatchStreams { get; set; } = DefaultMaxWatchStreams;
}
