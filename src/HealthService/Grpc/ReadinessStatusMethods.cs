using Grpc.AspNetCore.Server.Model;

namespace HealthService.Grpc;

/// <summary>
/// Binds <see cref="ReadinessStatusService.Check"/> for <c>MapGrpcService</c>: the method has no <c>.proto</c> of
/// its own (it reuses the <c>grpc.health.v1</c> messages), so no generated code binds it.
/// </summary>
internal sealed class ReadinessStatusMethods : IServiceMethodProvider<ReadinessStatusService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ReadinessStatusService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddUnaryMethod(ReadinessStatusService.Check, [], (service, request, call) => service.CheckAsync(request, call));
    }
}
