using System.Diagnostics;
using System.Net;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthService.Tests;

public sealed class HealthEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_returns_200_OK_as_uncacheable_plain_text_when_every_probe_is_healthy()
    {
        await using var factory = new HealthServiceFactory().WithCheck("custom", new ControllableHealthCheck());

        var response = await factory.WaitForStatusAsync(200, "OK");

        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal(2, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Head_health_returns_the_status_and_headers_without_a_body()
    {
        await using var factory = new HealthServiceFactory();
        await factory.WaitForStatusAsync(200, "OK");

        using var request = new HttpRequestMessage(HttpMethod.Head, "/health");
        var response = await factory.CreateClient().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    public async Task Other_methods_on_health_get_405_with_an_Allow_header(string method)
    {
        await using var factory = new HealthServiceFactory();

        using var request = new HttpRequestMessage(new HttpMethod(method), "/health");
        var response = await factory.CreateClient().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task A_request_shaped_like_an_ALB_health_check_gets_200_OK()
    {
        await using var factory = new HealthServiceFactory();
        await factory.WaitForStatusAsync(200, "OK");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Host = "10.0.3.7:8080";
        request.Headers.UserAgent.ParseAdd("ELB-HealthChecker/2.0");
        var response = await factory.CreateClient(new() { AllowAutoRedirect = false }).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Health_returns_503_Unhealthy_when_a_critical_custom_check_fails()
    {
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = new HealthServiceFactory().WithCheck("orders-queue", check);

        var response = await factory.WaitForStatusAsync(503, "Unhealthy");

        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Health_recovers_to_200_on_the_next_round_after_a_critical_check_recovers()
    {
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = new HealthServiceFactory().WithCheck("orders-queue", check);
        await factory.WaitForStatusAsync(503, "Unhealthy");

        check.Mode = ProbeMode.Healthy;

        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_check_that_throws_counts_as_failed_and_its_message_is_never_shown()
    {
        var check = new ControllableHealthCheck { Mode = ProbeMode.Throw };
        await using var factory = new HealthServiceFactory().WithCheck("throws", check);

        await factory.WaitForStatusAsync(503, "Unhealthy");

        Assert.DoesNotContain(factory.Logs.Events, e => e.RenderMessage().Contains("hunter2", StringComparison.Ordinal) || e.Exception is not null);
        var change = Assert.Single(factory.Logs.WithEventName("ProbeStatusChanged"), e => CollectingSink.Scalar(e, "Probe") == "throws");
        Assert.Equal("failed with InvalidOperationException", CollectingSink.Scalar(change, "Reason"));
    }

    [Theory]
    [InlineData(ProbeMode.Unhealthy)]
    [InlineData(ProbeMode.Degraded)]
    [InlineData(ProbeMode.Throw)]
    [InlineData(ProbeMode.Hang)]
    public async Task A_failing_non_critical_check_leaves_health_at_200(ProbeMode mode)
    {
        var check = new ControllableHealthCheck { Mode = mode };
        await using var factory = new HealthServiceFactory().WithCheck("reporting-only", check, "non-critical");

        // The pipeline saw the probe fail (a hang fails at its deadline), and /health still says OK.
        await factory.WaitForProbeAsync("reporting-only", mode == ProbeMode.Degraded ? "Degraded" : "Unhealthy");
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct); // a second round, with the hung call still pending

        var response = await factory.CreateClient().GetAsync("/health", Ct);
        Assert.Equal((HttpStatusCode.OK, "OK"), (response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
        check.ReleaseHung();
    }

    [Fact]
    public async Task A_non_critical_check_whose_scoped_dependency_fails_on_dispose_fails_alone()
    {
        await using var factory = new HealthServiceFactory().WithServices(services =>
        {
            services.AddScoped<FailsOnDispose>();
            services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                "leaky",
                provider =>
                {
                    _ = provider.GetRequiredService<FailsOnDispose>(); // a scoped dependency, disposed after the call
                    return new ControllableHealthCheck();
                },
                null,
                ["non-critical"]));
        });

        // The probe fails (its scope could not be disposed), and the round is still published: /health says OK.
        var change = await factory.WaitForProbeAsync("leaky", "Unhealthy");
        Assert.Equal("failed with InvalidOperationException", CollectingSink.Scalar(change, "Reason"));
        await factory.WaitForStatusAsync(200, "OK");
        Assert.Empty(factory.Logs.WithEventName("EvaluationRoundFailed"));
    }

    private sealed class FailsOnDispose : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => throw new InvalidOperationException("dispose failed");
    }

    [Fact]
    public async Task A_degraded_critical_check_still_serves_200()
    {
        await using var factory = new HealthServiceFactory().WithCheck("slow-cache", new ControllableHealthCheck { Mode = ProbeMode.Degraded });

        var change = await factory.WaitForProbeAsync("slow-cache", "Degraded");
        await factory.WaitForStatusAsync(200, "OK");
        Assert.Equal("Starting", CollectingSink.Scalar(change, "PreviousStatus"));
        Assert.Equal("OK", CollectingSink.Scalar(Assert.Single(factory.Logs.WithEventName("ReadinessChanged")), "Readiness"));
    }

    [Fact]
    public async Task Liveness_returns_200_while_a_critical_probe_fails()
    {
        await using var factory = new HealthServiceFactory().WithCheck("database", new ControllableHealthCheck { Mode = ProbeMode.Unhealthy });
        await factory.WaitForStatusAsync(503, "Unhealthy");

        var response = await factory.CreateClient().GetAsync("/health/live", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync(Ct));
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Liveness_does_not_run_any_probe()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().With("Health:Interval", "00:00:30").With("Health:Timeout", "00:00:01").WithCheck("counted", check);
        await factory.WaitForStatusAsync(200, "OK");
        var callsBefore = check.Calls;

        var client = factory.CreateClient();
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Ct)).StatusCode);
        }

        Assert.Equal(callsBefore, check.Calls);
    }

    [Fact]
    public async Task Health_keeps_answering_while_a_probe_hangs_and_the_hang_shows_exactly_at_its_deadline()
    {
        // On a fake clock nothing moves unless the test moves it: a /health that waited for the hung probe, or for
        // any timer, would never answer, so every answer below proves it does not.
        var time = new ObservedClock();
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory().WithCheck("hangs", check).WithServices(services => services.AddSingleton<TimeProvider>(time));
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(10);
        var deadline = TimeSpan.FromSeconds(0.5);

        check.Mode = ProbeMode.Hang;
        var mark = time.TimersCreated;
        time.Advance(TimeSpan.FromSeconds(1)); // the next round: the call hangs
        await factory.WaitForRoundAsync(time);
        await time.WaitForTimersAsync(deadline, 2, mark); // the round's wait and the probe's own cancellation
        Assert.Equal(2, check.Calls);

        // Never earlier than the deadline: one tick before it, still OK, as often as it is asked.
        time.Advance(deadline - TimeSpan.FromTicks(1));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("OK", await client.GetStringAsync("/health", Ct));
        }

        // At the deadline the call is given up: Unhealthy, with no further tick of the clock.
        time.Advance(TimeSpan.FromTicks(1));
        await factory.WaitForStatusAsync(503, "Unhealthy");

        // Rounds keep their rhythm while the call stays stuck, each with a result, and the probe is not called again.
        for (var round = 0; round < 3; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("503 Unhealthy", await factory.WaitForResultAsync("hangs", time));
        }

        Assert.Equal(2, check.Calls);

        // Once the stuck call has returned, a round calls the probe again and it recovers. The runner sees the call
        // end a moment after the check returns, so the first round after it may still find it running: one more.
        check.Mode = ProbeMode.Healthy;
        check.ReleaseHung();
        await factory.WaitForAsync((_, _) => check.InFlight == 0, TimeSpan.FromSeconds(10));
        var answer = "";
        for (var round = 0; round < 2 && answer != "200 OK"; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            answer = await factory.WaitForResultAsync("hangs", time);
        }

        Assert.Equal("200 OK", answer);
        Assert.Equal(3, check.Calls);
    }

    [Fact]
    public async Task Unknown_paths_get_404()
    {
        await using var factory = new HealthServiceFactory();

        var response = await factory.CreateClient().GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
