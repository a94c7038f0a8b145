using Grpc.Core;
using Grpc.Health.V1;
using HealthService.Pipeline;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace HealthService.Grpc;

/// <summary>
/// <c>grpc.health.v1.Health</c> over the readiness decision that <c>/health</c> uses, so the two never disagree.
/// Service <c>""</c> is readiness: <c>SERVING</c> exactly when <c>/health</c> answers <c>200</c>. Service
/// <c>liveness</c> is <c>/health/live</c>: <c>SERVING</c> whenever the process answers at all. Any other name is
/// unknown. No call runs a probe: <c>Check</c> reads the latest snapshot, <c>Watch</c> waits for the serving status
/// to change.
/// </summary>
internal sealed class GrpcHealthService(HealthReadiness readiness, IHostApplicationLifetime lifetime, WatchStreams streams) : Health.HealthBase
{
    /// <summary>The service name that answers as <c>/health/live</c>.</summary>
    public const string Liveness = "liveness";

    private static readonly HealthCheckResponse Serving = new() { Status = ServingStatus.Serving };
    private static readonly HealthCheckResponse NotServing = new() { Status = ServingStatus.NotServing };

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Service switch
        {
            "" => Task.FromResult(Of(readiness.Current)),
            Liveness => Task.FromResult(Serving),
            // As the protocol says: an unknown service fails the call with NOT_FOUND.
            _ => throw UnknownService(request.Service),
        };
    }

    /// <summary>
    /// Sends the status at once, then every change of it, until the caller cancels or the service stops. The stream
    /// ends with <c>OK</c> when the service stops, which the protocol asks a client to retry; by then a drain has
    /// already sent <c>NOT_SERVING</c> for readiness. An unknown service fails at once with <c>NOT_FOUND</c>, as
    /// <c>Check</c> does, and sends nothing.
    /// </summary>
    /// <remarks>
    /// The protocol would send <c>SERVICE_UNKNOWN</c> and keep the stream open, in case the service is registered
    /// later. Here the set of names never changes, so the stream would hold a slot until the client left, for nothing.
    /// Ending it just after a <c>SERVICE_UNKNOWN</c> would be worse: gRPC's client-side health checking (gRFC A17, as
    /// grpc-go, grpc-java and the C core implement it) restarts a Watch that ended after a message at once, without
    /// back-off, so a client configured with a wrong name would open Watch after Watch as fast as the network allows.
    /// A call that fails before any message is retried with exponential back-off instead (grpc-go: 1 s, growing to
    /// 120 s), and the client counts the connection unhealthy meanwhile, which is what <c>SERVICE_UNKNOWN</c> would
    /// have made it do anyway.
    /// </remarks>
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);

        // Refused before anything is sent: a client that got no message backs off before it tries again.
        using var slot = streams.TryOpen() ?? throw new RpcException(new Status(StatusCode.ResourceExhausted, streams.Refusal));
        if (request.Service is not ("" or Liveness))
        {
            throw UnknownService(request.Service);
        }

        // Ended when the service starts stopping, so that open streams never hold up a graceful shutdown.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var token = watching.Token;
        try
        {
            if (request.Service == Liveness)
            {
                // Liveness never changes while the process answers: the stream only waits, holding its slot, for the
                // caller to leave or the service to stop.
                await responseStream.WriteAsync(Serving, token).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                return;
            }

            // Woken only when SERVING flips to NOT_SERVING or back: a round, or a change of /health's reason that
            // keeps the serving status (Starting -> Unhealthy), costs this stream nothing.
            var ready = readiness.Current == Readiness.Ok;
            await responseStream.WriteAsync(Of(ready), token).ConfigureAwait(false);
            while (true)
            {
                ready = await readiness.WaitForReadyChangeAsync(ready, token).ConfigureAwait(false);
                await responseStream.WriteAsync(Of(ready), token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The caller went away, or the service is stopping: the stream ends cleanly.
        }
    }

    private static RpcException UnknownService(string service) =>
        new(new Status(StatusCode.NotFound, $"unknown service '{service}': ask for \"\" (readiness) or \"{Liveness}\""));

    private static HealthCheckResponse Of(Readiness verdict) => Of(verdict == Readiness.Ok);

    private static HealthCheckResponse Of(bool ready) => ready ? Serving : NotServing;
}
