using System.Diagnostics;
using System.Net;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Probes;

/// <summary>HTTP dependency probes against real HTTP servers on loopback, healthy and misbehaving.</summary>
public sealed class HttpProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A critical HTTP probe, so that its failure shows on /health as well as in the log.</summary>
    private static HealthServiceFactory Factory(Uri url, string? expectedStatus = null) => new HealthServiceFactory()
        .With("Health:Http:api:Url", url.ToString())
        .With("Health:Http:api:Critical", "true")
        .With("Health:Http:api:ExpectedStatus", expectedStatus);

    [Fact]
    public async Task A_dependency_answering_200_is_healthy()
    {
        await using var stub = StubHttpServer.Start();
        await using var factory = Factory(stub.Url());

        await factory.WaitForStatusAsync(200, "OK");
        var change = await factory.WaitForProbeAsync("http:api", "Healthy");

        Assert.Equal($"GET http://127.0.0.1:{stub.Port} answered with an expected status", CollectingSink.Scalar(change, "Reason"));
        Assert.Equal("GET", stub.Requests[0].Method);
        Assert.Equal("/health", stub.Requests[0].Path);
    }

    [Theory]
    [InlineData(500, null, "Unhealthy", "unexpected status 500")]
    [InlineData(503, null, "Unhealthy", "unexpected status 503")]
    [InlineData(404, null, "Unhealthy", "unexpected status 404")]
    [InlineData(404, "200-499", "Healthy", "answered with an expected status")]
    [InlineData(204, "200,204,301-302", "Healthy", "answered with an expected status")]
    [InlineData(203, "200,204,301-302", "Unhealthy", "unexpected status 203")]
    public async Task The_status_is_judged_against_ExpectedStatus(int status, string? expected, string probeStatus, string reason)
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(status));
        await using var factory = Factory(stub.Url(), expected);

        var change = await factory.WaitForProbeAsync("http:api", probeStatus);

        Assert.Equal($"GET http://127.0.0.1:{stub.Port}{(probeStatus == "Healthy" ? " " : ": ")}{reason}", CollectingSink.Scalar(change, "Reason"));
        Assert.Equal(probeStatus == "Healthy" ? 200 : 503, (int)(await factory.CreateClient().GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_counts_as_unexpected_unless_listed()
    {
        await using var target = StubHttpServer.Start();
        await using var stub = StubHttpServer.Start(StubBehavior.Redirect(target.Url().ToString()));
        await using var factory = Factory(stub.Url());

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");

        Assert.EndsWith("unexpected status 302", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
        Assert.Equal(0, target.Hits);
    }

    [Fact]
    public async Task A_slow_answer_past_the_deadline_times_out_while_health_keeps_answering()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Slow(TimeSpan.FromSeconds(3)));
        await using var factory = Factory(stub.Url());
        var started = Stopwatch.StartNew();

        var poll = await factory.PollHealthUntilAsync((_, body) => body == "Unhealthy", TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, poll.Status);
        Assert.True(poll.P95 < TimeSpan.FromMilliseconds(100) && poll.Slowest < TimeSpan.FromSeconds(1), $"/health answers: p95 {poll.P95.TotalMilliseconds} ms, slowest {poll.Slowest.TotalMilliseconds} ms");
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.45), TimeSpan.FromSeconds(3));
        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");
        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_timeout_overrides_Health_Timeout()
    {
        // 400 ms is inside the default deadline (Health:Timeout 0.5 s here) but not inside the probe's own 0.2 s.
        await using var stub = StubHttpServer.Start(StubBehavior.Slow(TimeSpan.FromMilliseconds(400)));
        await using var factory = Factory(stub.Url()).With("Health:Http:api:Timeout", "00:00:00.200");

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");

        // Two timers end the call at 0.2 s, the runner's and the check's own, and either may fire first: what counts
        // is that the probe gave up at its own deadline, well before Health:Timeout.
        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
        Assert.InRange(double.Parse(CollectingSink.Scalar(change, "DurationMs")!, System.Globalization.CultureInfo.InvariantCulture), 150, 480);
    }

    [Fact]
    public async Task An_https_url_to_a_plain_http_server_is_a_TLS_error()
    {
        // A plain HTTP server answers a TLS handshake with an HTTP error page, as many do.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), stop.Token);
            }
        }, CancellationToken.None);
        await using var factory = Factory(new Uri($"https://127.0.0.1:{port}/health"));

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");

        Assert.Equal($"GET https://127.0.0.1:{port}: TLS error", CollectingSink.Scalar(change, "Reason"));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.NeverAnswer());
        await using var factory = Factory(stub.Url());

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");

        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
        await factory.WaitForStatusAsync(503, "Unhealthy");
    }

    [Fact]
    public async Task A_closed_port_is_reported_as_connection_refused()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var factory = Factory(new Uri($"http://127.0.0.1:{port}/health"));

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");

        Assert.Equal($"GET http://127.0.0.1:{port}: connection refused", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_connection_reset_mid_response_is_a_failure()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.ResetMidResponse());
        await using var factory = Factory(stub.Url());

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy");

        var reason = CollectingSink.Scalar(change, "Reason")!;
        Assert.True(reason.EndsWith("connection reset", StringComparison.Ordinal) || reason.EndsWith("connection closed before a complete response", StringComparison.Ordinal), reason);
    }

    [Fact]
    public async Task An_unresolvable_host_is_reported_as_name_not_resolved()
    {
        await using var factory = Factory(new Uri("http://dependency.invalid/health"));

        var change = await factory.WaitForProbeAsync("http:api", "Unhealthy", TimeSpan.FromSeconds(15));

        Assert.Equal("GET http://dependency.invalid: name not resolved", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_dependency_that_recovers_is_healthy_again_on_the_next_round()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503));
        await using var factory = Factory(stub.Url());
        await factory.WaitForStatusAsync(503, "Unhealthy");

        stub.Behavior = StubBehavior.Status(200);
        var recovered = Stopwatch.StartNew();

        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(3));
        Assert.True(recovered.Elapsed < TimeSpan.FromSeconds(1.5), $"recovered after {recovered.Elapsed}");
    }

    [Fact]
    public async Task Method_and_headers_are_sent_and_header_values_and_the_query_appear_nowhere()
    {
        const string apiKey = "key-0123456789-secret";
        await using var stub = StubHttpServer.Start(StubBehavior.Status(500));
        await using var factory = Factory(stub.Url($"/status?token=query-secret"))
            .With("Health:Http:api:Method", "post")
            .With("Health:Http:api:Headers:X-Api-Key", apiKey);

        await factory.WaitForProbeAsync("http:api", "Unhealthy");
        var body = await (await factory.CreateClient().GetAsync("/health", Ct)).Content.ReadAsStringAsync(Ct);

        var request = stub.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal(apiKey, request.Headers["X-Api-Key"]);
        var everything = factory.AllLogText() + body;
        Assert.DoesNotContain(apiKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("query-secret", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Logs.Events, e => e.Exception is not null);
    }

    [Fact]
    public async Task A_POST_probe_sends_a_configured_Content_Type_as_a_content_header_with_an_empty_body()
    {
        await using var stub = StubHttpServer.Start();
        await using var factory = Factory(stub.Url())
            .With("Health:Http:api:Method", "POST")
            .With("Health:Http:api:Headers:Content-Type", "application/json")
            .With("Health:Http:api:Headers:X-Api-Key", "key-0123456789");

        await factory.WaitForStatusAsync(200, "OK");
        await factory.WaitForProbeAsync("http:api", "Healthy");

        var request = stub.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/json", request.Headers["Content-Type"]);
        Assert.Equal("0", request.Headers["Content-Length"]);
        Assert.Equal("", request.Body);
        Assert.Equal("key-0123456789", request.Headers["X-Api-Key"]);
    }

    [Fact]
    public async Task A_non_critical_dependency_failing_keeps_health_at_200()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503));
        await using var factory = new HealthServiceFactory().With("Health:Http:api:Url", stub.Url().ToString());

        await factory.WaitForProbeAsync("http:api", "Unhealthy");

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health", Ct)).StatusCode);
    }
}
