using HealthService.Configuration;

namespace HealthService.Grpc;

/// <summary>Where the gRPC health protocol listens, read from <c>Health:Grpc</c> as the host will bind it.</summary>
internal static class GrpcListener
{
    public const string PortKey = "Health:Grpc:Port";

    /// <summary>The gRPC port when <c>Health:Grpc:Enabled</c>, else null.</summary>
    public static int? Port(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Health:Grpc");
        return section.GetValue<bool>(nameof(GrpcOptions.Enabled)) ? section.GetValue(nameof(GrpcOptions.Port), GrpcOptions.DefaultPort) : null;
    }

    /// <summary>
    /// Every interface, as the default public address: a load balancer or a mesh reaches it from outside. HTTP/2
    /// without TLS (h2c), as load balancers and the kubelet speak gRPC health checks to a target.
    /// </summary>
    public static string Url(int port) => $"http://0.0.0.0:{port}";
}
