using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using HealthService.Pipeline;

namespace HealthService.Grpc;

/// <summary>
/// <c>/healthservice.v1.Readiness/Check</c>: readiness as a gRPC status code, for checkers that read nothing else.
/// An AWS ALB gRPC target group judges a target by the call's status code only (its matcher is <c>GrpcCode</c>):
/// pointed at <c>grpc.health.v1.Health/Check</c>, which answers <c>OK</c> with <c>NOT_SERVING</c> as the protocol
/// says, it would count a draining or unhealthy instance as healthy. This method answers <c>OK</c> with
/// <c>SERVING</c> exactly when <c>/health</c> answers <c>200</c>, and otherwise fails with <c>UNAVAILABLE</c> and the
/// word <c>/health</c> would answer (<c>Draining</c>, <c>Unhealthy</c>, ...). Same messages, same decision.
/// </summary>
internal sealed class ReadinessStatusService(HealthReadiness readiness)
{
    public const string ServiceName = "healthservice.v1.Readiness";

    private static readonly HealthCheckResponse Serving = new() { Status = HealthCheckResponse.Types.ServingStatus.Serving };

    /// <summary>The one method; the request (any service name) is ignored, since such checkers cannot set one.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = new(
        MethodType.Unary,
        ServiceName,
        nameof(Check),
        Marshallers.Create(request => request.ToByteArray(), HealthCheckRequest.Parser.ParseFrom),
        Marshallers.Create(response => response.ToByteArray(), HealthCheckResponse.Parser.ParseFrom));

    public Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        var verdict = readiness.Current;
        return verdict == Readiness.Ok
            ? Task.FromResult(Serving)
            : throw new RpcException(new Status(StatusCode.Unavailable, HealthReadiness.Word(verdict)));
    }
}
