using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using HealthService.Tests.Infrastructure;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace HealthService.Tests.Grpc;

/// <summary>
/// <c>grpc.health.v1.Health</c> against the real process, over HTTP/2 without TLS on loopback, as a gRPC load
/// balancer, a mesh or the kubelet would ask it.
/// </summary>
public sealed class GrpcHealthTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A service with the gRPC protocol on, the detailed view's local listener on, and no drain delay.</summary>
    private static (Dictionary<string, string?> Environment, int Http, int Grpc, int Local) Ports(params (string Key, string? Value)[] more)
    {
        var (http, grpc, local) = (ServiceProcess.FreeLoopbackPort(), ServiceProcess.FreeLoopbackPort(), ServiceProcess.FreeLoopbackPort());
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}",
            ["Health__Grpc__Enabled"] = "true",
            ["Health__Grpc__Port"] = Text(grpc),
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = Text(local),
            ["Health__DrainDelay"] = "00:00:00",
        };
        foreach (var (key, value) in more)
        {
            environment[key] = value;
        }

        return (environment, http, grpc, local);
    }

    /// <summary>Readiness as a status code, for load balancers that read nothing else (an ALB's gRPC health check).</summary>
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> StatusCheck = new(
        MethodType.Unary, "healthservice.v1.Readiness", "Check",
        Marshallers.Create((HealthCheckRequest request) => request.ToByteArray(), HealthCheckRequest.Parser.ParseFrom),
        Marshallers.Create((HealthCheckResponse response) => response.ToByteArray(), HealthCheckResponse.Parser.ParseFrom));

    private static Health.HealthClient Client(GrpcChannel channel) => new(channel);

    /// <summary>What a checker that reads only the call's status sees: the code, and the detail.</summary>
    private static async Task<(StatusCode Code, string Detail)> StatusCodeAsync(GrpcChannel channel)
    {
        try
        {
            var answer = await channel.CreateCallInvoker().AsyncUnaryCall(StatusCheck, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: Ct), new HealthCheckRequest());
            return (StatusCode.OK, answer.Status.ToString());
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
    }

    private static async Task<ServingStatus> CheckAsync(Health.HealthClient client, string service = "") =>
        (await client.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: Ct)).Status;

    /// <summary>Asks <c>Check</c> until it answers <paramref name="expected"/> (the listener may still be starting).</summary>
    private static async Task WaitForCheckAsync(Health.HealthClient client, ServingStatus expected, TimeSpan timeout)
    {
        var limit = Stopwatch.StartNew();
        var last = "no answer";
        while (limit.Elapsed < timeout)
        {
            try
            {
                var status = await CheckAsync(client);
                if (status == expected)
                {
                    return;
                }

                last = status.ToString();
            }
            catch (RpcException ex)
            {
                last = ex.Status.ToString();
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail($"Check never answered {expected} within {timeout} (last: {last}).");
    }

    /// <summary>The next message of a Watch stream, within <paramref name="timeout"/>.</summary>
    private static async Task<ServingStatus> NextAsync(IAsyncStreamReader<HealthCheckResponse> stream, TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(timeout);
        Assert.True(await stream.MoveNext(limit.Token), "the Watch stream ended");
        return stream.Current.Status;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpMethod method, string url, string? body = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
        return (await client.SendAsync(request, Ct)).StatusCode;
    }

    [Fact]
    public async Task Readiness_is_SERVING_and_the_status_code_OK_exactly_when_health_answers_200_and_liveness_serves_throughout_maintenance()
    {
        // A long interval: a Watch that hears maintenance at once cannot owe it to the next round.
        var (environment, http, grpc, local) = Ports(("Health__Interval", "00:00:30"), ("Health__Timeout", "00:00:02"));
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        var client = Client(channel);
        await WaitForCheckAsync(client, ServingStatus.Serving, StartTimeout);
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, "liveness"));
        Assert.Equal((StatusCode.OK, "Serving"), await StatusCodeAsync(channel));
        using var watch = client.Watch(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(ServingStatus.Serving, await NextAsync(watch.ResponseStream, TimeSpan.FromSeconds(10)));

        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Put, $"http://127.0.0.1:{local}/health/maintenance", "{\"ttl\":\"1h\",\"reason\":\"grpc test\"}"));

        Assert.Equal(ServingStatus.NotServing, await NextAsync(watch.ResponseStream, TimeSpan.FromSeconds(5)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(HttpMethod.Get, $"http://127.0.0.1:{http}/health"));
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(client));
        Assert.Equal((StatusCode.Unavailable, "Maintenance"), await StatusCodeAsync(channel));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, "liveness"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, $"http://127.0.0.1:{http}/health/live"));

        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Delete, $"http://127.0.0.1:{local}/health/maintenance"));

        Assert.Equal(ServingStatus.Serving, await NextAsync(watch.ResponseStream, TimeSpan.FromSeconds(5)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, $"http://127.0.0.1:{http}/health"));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client));
        Assert.Equal((StatusCode.OK, "Serving"), await StatusCodeAsync(channel));
    }

    [Fact]
    public async Task A_failing_critical_probe_is_NOT_SERVING_and_Watch_hears_the_recovery()
    {
        await using var dependency = StubHttpServer.Start(StubBehavior.Status(500, "down"));
        var (environment, http, grpc, _) = Ports(
            ("Health__Interval", "00:00:01"), ("Health__Timeout", "00:00:00.500"),
            ("Health__Http__api__Url", dependency.Url().ToString()), ("Health__Http__api__Critical", "true"));
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 503, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        var client = Client(channel);
        await WaitForCheckAsync(client, ServingStatus.NotServing, StartTimeout);
        Assert.Equal((StatusCode.Unavailable, "Unhealthy"), await StatusCodeAsync(channel));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client, "liveness"));
        using var watch = client.Watch(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(ServingStatus.NotServing, await NextAsync(watch.ResponseStream, TimeSpan.FromSeconds(10)));

        dependency.Behavior = StubBehavior.Status(200, "OK");

        Assert.Equal(ServingStatus.Serving, await NextAsync(watch.ResponseStream, TimeSpan.FromSeconds(15)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, $"http://127.0.0.1:{http}/health"));
    }

    /// <summary>How a Watch call that must send nothing fails, within <paramref name="within"/>.</summary>
    private static async Task<RpcException> RefusalAsync(Health.HealthClient client, string service, TimeSpan within)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(within);
        using var watch = client.Watch(new HealthCheckRequest { Service = service }, cancellationToken: limit.Token);
        try
        {
            var sent = await watch.ResponseStream.MoveNext(limit.Token) ? watch.ResponseStream.Current.Status.ToString() : "nothing";
            Assert.Fail($"the Watch of '{service}' was accepted: it sent {sent}");
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            return ex;
        }

        throw new UnreachableException();
    }

    [Fact]
    public async Task An_unknown_service_is_NOT_FOUND_for_Check_and_for_Watch_which_ends_at_once_and_keeps_no_slot()
    {
        var (environment, http, grpc, _) = Ports(("Health__Grpc__MaxWatchStreams", "1"));
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        var client = Client(channel);
        await WaitForCheckAsync(client, ServingStatus.Serving, StartTimeout);

        var check = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(client, "orders.v1.Orders"));
        Assert.Equal(StatusCode.NotFound, check.StatusCode);

        // No message, then the end: a client that got nothing backs off before it asks again.
        var clock = Stopwatch.StartNew();
        var watch = await RefusalAsync(client, "orders.v1.Orders", TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the Watch of an unknown service took {clock.Elapsed} to end");
        Assert.Equal((StatusCode.NotFound, check.Status.Detail), (watch.StatusCode, watch.Status.Detail));

        // Its slot is free by the time the client hears the end: with room for one stream, readiness is watched next.
        using var readiness = client.Watch(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(ServingStatus.Serving, await NextAsync(readiness.ResponseStream, TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.ResourceExhausted, (await RefusalAsync(client, "orders.v1.Orders", TimeSpan.FromSeconds(5))).StatusCode); // counted too
    }

    [Fact]
    public async Task Watch_streams_beyond_MaxWatchStreams_are_refused_with_RESOURCE_EXHAUSTED_and_a_stream_that_ends_frees_its_slot()
    {
        var (environment, http, grpc, _) = Ports(("Health__Grpc__MaxWatchStreams", "3"));
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        var client = Client(channel);
        await WaitForCheckAsync(client, ServingStatus.Serving, StartTimeout);

        // Every kind of Watch counts: readiness and liveness alike.
        using var first = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var readiness = client.Watch(new HealthCheckRequest(), cancellationToken: first.Token);
        using var liveness = client.Watch(new HealthCheckRequest { Service = "liveness" }, cancellationToken: Ct);
        using var third = client.Watch(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(ServingStatus.Serving, await NextAsync(readiness.ResponseStream, TimeSpan.FromSeconds(10)));
        Assert.Equal(ServingStatus.Serving, await NextAsync(liveness.ResponseStream, TimeSpan.FromSeconds(10)));
        Assert.Equal(ServingStatus.Serving, await NextAsync(third.ResponseStream, TimeSpan.FromSeconds(10)));

        foreach (var name in new[] { "", "liveness" })
        {
            var refused = await RefusalAsync(client, name, TimeSpan.FromSeconds(5));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Equal("too many Watch streams: 3 are open, as many as Health:Grpc:MaxWatchStreams allows; retry later, or raise it", refused.Status.Detail);
        }

        // Unary calls hold nothing and are never refused.
        Assert.Equal(ServingStatus.Serving, await CheckAsync(client));
        Assert.Equal((StatusCode.OK, "Serving"), await StatusCodeAsync(channel));

        // The server hears the cancellation a moment after the client sends it: until then the slot is still taken.
        first.Cancel();
        var clock = Stopwatch.StartNew();
        ServingStatus? accepted = null;
        AsyncServerStreamingCall<HealthCheckResponse>? fourth = null;
        while (accepted is null && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            fourth?.Dispose();
            fourth = client.Watch(new HealthCheckRequest(), cancellationToken: Ct);
            try
            {
                accepted = await NextAsync(fourth.ResponseStream, TimeSpan.FromSeconds(5));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                await Task.Delay(20, Ct);
            }
        }

        using (fourth)
        {
            Assert.Equal(ServingStatus.Serving, accepted);
            Assert.Equal(StatusCode.ResourceExhausted, (await RefusalAsync(client, "", TimeSpan.FromSeconds(5))).StatusCode); // full again
        }
    }

    [Fact]
    public async Task Off_by_default_nothing_listens_on_the_gRPC_port()
    {
        var http = ServiceProcess.FreeLoopbackPort();
        var grpc = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}",
            ["Health__Grpc__Port"] = Text(grpc), // a port alone does not turn it on
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        await service.WaitForOutputAsync("\"ListeningOnAddress\"", TimeSpan.FromSeconds(5));
        await Task.Delay(200, Ct); // every address is logged together: let the rest reach the output

        using var tcp = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await tcp.ConnectAsync(IPAddress.Loopback, grpc, Ct));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Single(service.StandardOutput, line => line.Contains("\"ListeningOnAddress\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_gRPC_port_answers_gRPC_health_only_and_the_HTTP_port_keeps_answering_health()
    {
        var (environment, http, grpc, _) = Ports();
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        await WaitForCheckAsync(Client(channel), ServingStatus.Serving, StartTimeout);

        // HTTP/1.1, as a load balancer's HTTP health check pointed at the wrong port: refused by the protocol.
        using (var http1 = new HttpClient())
        {
            var response = await http1.GetAsync($"http://127.0.0.1:{grpc}/health", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("An HTTP/1.x request was sent to an HTTP/2 only endpoint.", await response.Content.ReadAsStringAsync(Ct));
        }

        // HTTP/2 without TLS: the protocol is right, but the gRPC port serves no HTTP endpoint.
        using var http2 = new HttpClient();
        foreach (var path in new[] { "/health", "/health/live", "/health/details", "/health/maintenance" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{grpc}{path}")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            var response = await http2.SendAsync(request, Ct);
            Assert.Equal((path, new Version(2, 0), HttpStatusCode.NotFound), (path, response.Version, response.StatusCode));
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, $"http://127.0.0.1:{http}/health"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, $"http://127.0.0.1:{http}/health/live"));
    }

    [Fact]
    public async Task On_SIGTERM_Watch_hears_NOT_SERVING_at_once_then_the_streams_end_and_do_not_hold_up_the_exit()
    {
        var (environment, http, grpc, _) = Ports(("Health__DrainDelay", "00:00:03"), ("Health__ShutdownTimeout", "00:00:30"));
        await using var service = ServiceProcess.Start(environment);
        await service.WaitForStatusAsync($"http://127.0.0.1:{http}/health", 200, StartTimeout);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        var client = Client(channel);
        await WaitForCheckAsync(client, ServingStatus.Serving, StartTimeout);
        using var readiness = client.Watch(new HealthCheckRequest(), cancellationToken: Ct);
        using var liveness = client.Watch(new HealthCheckRequest { Service = "liveness" }, cancellationToken: Ct);
        Assert.Equal(ServingStatus.Serving, await NextAsync(readiness.ResponseStream, TimeSpan.FromSeconds(10)));
        Assert.Equal(ServingStatus.Serving, await NextAsync(liveness.ResponseStream, TimeSpan.FromSeconds(10)));

        var clock = Stopwatch.StartNew();
        service.Signal("TERM");

        Assert.Equal(ServingStatus.NotServing, await NextAsync(readiness.ResponseStream, TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"NOT_SERVING came {clock.Elapsed} after SIGTERM, not within the 3 s drain");

        // Both streams end cleanly (status OK) once the drain is over, and the process exits long before the 30 s
        // that open calls could hold a graceful shutdown for.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        Assert.False(await readiness.ResponseStream.MoveNext(limit.Token));
        Assert.False(await liveness.ResponseStream.MoveNext(limit.Token));
        Assert.Equal(StatusCode.OK, readiness.GetStatus().StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.5), $"the streams ended {clock.Elapsed} after SIGTERM, before the drain was over");
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the process took {clock.Elapsed} to exit after SIGTERM");
    }
}
