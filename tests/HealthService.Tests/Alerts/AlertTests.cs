using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HealthService.Configuration;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace HealthService.Tests.Alerts;

/// <summary>Alert webhooks against real HTTP receivers on loopback: what is sent, when, and what happens when they fail.</summary>
public sealed class AlertTests
{
    private const string Secret = "hunter2";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The service with one critical custom probe, <c>db</c>, and one receiver, <c>chat</c>.</summary>
    private static HealthServiceFactory Factory(Uri receiver, ControllableHealthCheck check) => new HealthServiceFactory()
        .WithCheck("db", check)
        .With("Health:Alerts:Webhooks:chat:Url", receiver.ToString())
        .With("Health:Alerts:Service", "orders")
        .With("Health:Alerts:Instance", "orders-1")
        .With("Health:Alerts:CoolDown", "00:00:01")
        .With("Health:Alerts:RetryDelay", "00:00:00.200");

    private static JsonElement Event(StubRequest request) => JsonDocument.Parse(request.Body).RootElement;

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    [Fact]
    public async Task Each_transition_is_posted_once_as_JSON_and_starting_ready_posts_nothing()
    {
        await using var receiver = StubHttpServer.Start();
        var check = new ControllableHealthCheck();
        await using var factory = Factory(receiver.Url($"/hooks/{Secret}?token={Secret}"), check);
        await factory.WaitForStatusAsync(200, "OK");
        await factory.WaitForAsync((_, _) => check.Calls >= 2, TimeSpan.FromSeconds(5));
        Assert.Equal(0, receiver.Hits);

        // A steady state is not re-sent: three more rounds (past the 1 s cool-down) publish the same state. Each
        // receiver delivers in order, so had anything been re-sent meanwhile, it would arrive before the next
        // transition's event and take its place in the checks below.
        check.Mode = ProbeMode.Unhealthy;
        await receiver.WaitForHitsAsync(1, TimeSpan.FromSeconds(5), Ct);
        var calls = check.Calls;
        await factory.WaitForAsync((_, _) => check.Calls >= calls + 3, TimeSpan.FromSeconds(10));

        check.Mode = ProbeMode.Healthy;
        await receiver.WaitForHitsAsync(2, TimeSpan.FromSeconds(5), Ct);
        calls = check.Calls;
        await factory.WaitForAsync((_, _) => check.Calls >= calls + 3, TimeSpan.FromSeconds(10));

        check.Mode = ProbeMode.Unhealthy;
        await receiver.WaitForHitsAsync(3, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(("Ready", "NotReady"), (Text(Event(receiver.Requests[2]), "previousStatus"), Text(Event(receiver.Requests[2]), "status")));

        var (down, up) = (receiver.Requests[0], receiver.Requests[1]);
        Assert.All(receiver.Requests, request =>
        {
            Assert.Equal("POST", request.Method);
            Assert.Equal($"/hooks/{Secret}?token={Secret}", request.Path);
            Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        });

        var failed = Event(down);
        Assert.Equal("orders", Text(failed, "service"));
        Assert.Equal("orders-1", Text(failed, "instance"));
        Assert.Equal("Ready", Text(failed, "previousStatus"));
        Assert.Equal("NotReady", Text(failed, "status"));
        Assert.Equal("orders on orders-1 is NotReady: Unhealthy (was Ready): db Healthy -> Unhealthy (failing on purpose)", Text(failed, "text"));
        var time = Text(failed, "time");
        Assert.EndsWith("Z", time, StringComparison.Ordinal);
        var parsed = DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);
        Assert.InRange(parsed, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        var probe = Assert.Single(failed.GetProperty("probes").EnumerateArray());
        Assert.Equal("db", Text(probe, "name"));
        Assert.Equal("Healthy", Text(probe, "previousStatus"));
        Assert.Equal("Unhealthy", Text(probe, "status"));
        Assert.Equal("failing on purpose", Text(probe, "reason"));

        var recovered = Event(up);
        Assert.Equal("NotReady", Text(recovered, "previousStatus"));
        Assert.Equal("Ready", Text(recovered, "status"));
        probe = Assert.Single(recovered.GetProperty("probes").EnumerateArray());
        Assert.Equal(("db", "Unhealthy", "Healthy"), (Text(probe, "name"), Text(probe, "previousStatus"), Text(probe, "status")));
        Assert.True(DateTimeOffset.Parse(Text(recovered, "time"), CultureInfo.InvariantCulture) > parsed);

        await factory.WaitForAsync((_, _) => factory.Logs.WithEventName("AlertDelivered").Count >= 3, TimeSpan.FromSeconds(5));
        Assert.Equal(3, factory.Logs.WithEventName("AlertDelivered").Count);
        Assert.DoesNotContain(Secret, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_is_retried_after_a_500_and_delivered_once_without_a_warning()
    {
        await using var receiver = StubHttpServer.Start(StubBehavior.Status(500, "oops"));
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = Factory(receiver.Url("/hook"), check).With("Health:Alerts:RetryDelay", "00:00:01");

        // Starting not ready is news: the first event goes out, meets two 500s, then a 200 (retries after 1 s, then 2 s).
        _ = factory.Server; // starts the host
        await receiver.WaitForHitsAsync(2, TimeSpan.FromSeconds(10), Ct);
        receiver.Behavior = StubBehavior.Status(200);
        var delivered = await WaitForLogAsync(factory, "AlertDelivered", TimeSpan.FromSeconds(10));

        Assert.Equal("3", CollectingSink.Scalar(delivered, "Attempt"));
        Assert.Equal(3, receiver.Hits);
        Assert.Single(receiver.Requests.Select(r => r.Body).Distinct());
        var first = Event(receiver.Requests[0]);
        Assert.Equal(("Starting", "NotReady"), (Text(first, "previousStatus"), Text(first, "status")));
        Assert.Empty(factory.Logs.WithEventName("AlertDeliveryFailed"));
        Assert.DoesNotContain(factory.Logs.Events, e => e.Level >= LogEventLevel.Warning && !IsProbeOrReadinessEvent(e));
    }

    [Fact]
    public async Task A_receiver_that_never_answers_is_given_up_at_the_delivery_timeout()
    {
        await using var hanging = StubHttpServer.Start(StubBehavior.NeverAnswer());
        await using var factory = Factory(hanging.Url("/hooks"), new ControllableHealthCheck { Mode = ProbeMode.Unhealthy })
            .With("Health:Alerts:Timeout", "00:00:00.300")
            .With("Health:Alerts:MaxAttempts", "2");

        var failed = await WaitForLogAsync(factory, "AlertDeliveryFailed", TimeSpan.FromSeconds(10));

        Assert.Equal("timed out after 0.3 s", CollectingSink.Scalar(failed, "Failure"));
        Assert.Equal("2", CollectingSink.Scalar(failed, "Attempts"));
        Assert.Equal(2, hanging.Hits);
    }

    [Theory]
    [InlineData("closed port", "connection refused")]
    [InlineData("always 503", "status 503")]
    public async Task A_receiver_that_stays_down_is_given_up_with_one_warning_while_health_answers_fast(string receiverKind, string failure)
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503));
        var url = receiverKind == "closed port"
            ? new Uri($"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}/hooks/{Secret}")
            : stub.Url($"/hooks/{Secret}");
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = Factory(url, check)
            .With("Health:Alerts:MaxAttempts", "3")
            .With("Health:Alerts:Webhooks:chat:Headers:Authorization", $"Bearer {Secret}");
        var client = factory.CreateClient();

        var slowest = TimeSpan.Zero;
        var elapsed = Stopwatch.StartNew();
        while (factory.Logs.WithEventName("AlertDeliveryFailed").Count == 0)
        {
            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(15), "No AlertDeliveryFailed after 15 s.");
            var request = Stopwatch.StartNew();
            var response = await client.GetAsync("/health", Ct);
            slowest = request.Elapsed > slowest ? request.Elapsed : slowest;
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode); // Starting, then Unhealthy
            await Task.Delay(10, Ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // no further attempt, no second warning
        var warning = Assert.Single(factory.Logs.WithEventName("AlertDeliveryFailed"));
        Assert.Equal(LogEventLevel.Warning, warning.Level);
        Assert.Equal("chat", CollectingSink.Scalar(warning, "Receiver"));
        Assert.Equal("3", CollectingSink.Scalar(warning, "Attempts"));
        Assert.Equal(failure, CollectingSink.Scalar(warning, "Failure"));
        Assert.Equal(receiverKind == "closed port" ? 0 : 3, stub.Hits);
        Assert.True(slowest < TimeSpan.FromMilliseconds(250), $"slowest /health answer: {slowest.TotalMilliseconds} ms");
        Assert.DoesNotContain(Secret, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_refuses_the_event_with_a_4xx_is_not_retried()
    {
        await using var receiver = StubHttpServer.Start(StubBehavior.Status(404));
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = Factory(receiver.Url("/gone"), check);

        var warning = await WaitForLogAsync(factory, "AlertDeliveryFailed", TimeSpan.FromSeconds(10));
        var calls = check.Calls;
        await factory.WaitForAsync((_, _) => check.Calls >= calls + 2, TimeSpan.FromSeconds(10)); // well past the 200 ms retry delay

        Assert.Equal("1", CollectingSink.Scalar(warning, "Attempts"));
        Assert.Equal("status 404", CollectingSink.Scalar(warning, "Failure"));
        // No event was sent twice. (On a starved machine a later round can be Stale, which is news of its own.)
        Assert.Equal(receiver.Requests.Count, receiver.Requests.Select(r => r.Body).Distinct().Count());
    }

    [Fact]
    public async Task A_flapping_probe_sends_at_most_one_event_per_cool_down_and_the_final_recovery_is_delivered()
    {
        var coolDown = TimeSpan.FromSeconds(3);
        await using var receiver = StubHttpServer.Start();
        var check = new ControllableHealthCheck();
        await using var factory = Factory(receiver.Url("/hook"), check).With("Health:Alerts:CoolDown", "00:00:03");
        await factory.WaitForStatusAsync(200, "OK");

        // Six rounds in a row, each with the other status than the one before: about 6 s of flapping, ending healthy.
        for (var flip = 0; flip < 3; flip++)
        {
            check.Mode = ProbeMode.Unhealthy;
            await factory.WaitForProbeAsync("db", "Unhealthy", TimeSpan.FromSeconds(3));
            check.Mode = ProbeMode.Healthy;
            await factory.WaitForProbeAsync("db", "Healthy", TimeSpan.FromSeconds(3));
        }

        // The state now stays Ready; whatever is held back goes out within one cool-down.
        await Task.Delay(coolDown + TimeSpan.FromSeconds(2), Ct);

        var requests = receiver.Requests;
        Assert.InRange(requests.Count, 2, 3); // at most ceil(6 s / 3 s) + 1
        Assert.Equal("NotReady", Text(Event(requests[0]), "status"));
        var last = Event(requests[^1]);
        Assert.Equal("Ready", Text(last, "status"));
        Assert.Equal("NotReady", Text(last, "previousStatus"));
        for (var i = 1; i < requests.Count; i++)
        {
            var gap = requests[i].ReceivedAt - requests[i - 1].ReceivedAt;
            Assert.True(gap > coolDown - TimeSpan.FromMilliseconds(500), $"events {i} and {i + 1} came {gap.TotalSeconds:0.00} s apart");
        }

        // Each event continues from the one before it, so a receiver that reads them in order is never left behind.
        for (var i = 1; i < requests.Count; i++)
        {
            Assert.Equal(Text(Event(requests[i - 1]), "status"), Text(Event(requests[i]), "previousStatus"));
        }
    }

    [Fact]
    public async Task Configured_headers_are_sent_and_their_values_appear_in_no_log()
    {
        await using var receiver = StubHttpServer.Start();
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = Factory(receiver.Url("/hook"), check)
            .With("Health:Alerts:Webhooks:chat:Headers:Authorization", $"Bearer {Secret}")
            .With("Health:Alerts:Webhooks:chat:Headers:X-Team", $"team-{Secret}");

        await WaitForLogAsync(factory, "AlertDelivered", TimeSpan.FromSeconds(10));

        var request = Assert.Single(receiver.Requests);
        Assert.Equal($"Bearer {Secret}", request.Headers["Authorization"]);
        Assert.Equal($"team-{Secret}", request.Headers["X-Team"]);
        var started = Assert.Single(factory.Logs.WithEventName("AlertsStarted"));
        Assert.Equal("chat", CollectingSink.Scalar(started, "Receivers"));
        Assert.DoesNotContain(Secret, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_hangs_does_not_delay_another()
    {
        await using var healthy = StubHttpServer.Start();
        await using var hanging = StubHttpServer.Start(StubBehavior.NeverAnswer());
        var check = new ControllableHealthCheck { Mode = ProbeMode.Unhealthy };
        await using var factory = Factory(healthy.Url("/hook"), check)
            .With("Health:Alerts:Webhooks:stuck:Url", hanging.Url("/hook").ToString())
            .With("Health:Alerts:Timeout", "00:00:30");
        _ = factory.Server; // starts the host
        await healthy.WaitForHitsAsync(1, TimeSpan.FromSeconds(5), Ct);
        await hanging.WaitForHitsAsync(1, TimeSpan.FromSeconds(5), Ct);

        // The stuck receiver is still waiting on its first event when the second one is due.
        check.Mode = ProbeMode.Healthy;
        await healthy.WaitForHitsAsync(2, TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(1, hanging.Hits);
        Assert.Equal(healthy.Requests[0].Body, hanging.Requests[0].Body);
        Assert.Equal("Ready", Text(Event(healthy.Requests[1]), "status"));
    }

    [Fact]
    public async Task Without_webhooks_nothing_about_alerts_is_started()
    {
        await using var factory = new HealthServiceFactory().WithCheck("db", new ControllableHealthCheck());

        await factory.WaitForStatusAsync(200, "OK");

        Assert.Empty(factory.Logs.WithEventName("AlertsStarted"));
    }

    [Theory]
    [InlineData("Health:Alerts:Webhooks:chat:Headers:X-Token=hunter2", "Health:Alerts:Webhooks:chat:Url must be an absolute http or https URL.")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=/services/hunter2", "Health:Alerts:Webhooks:chat:Url must be an absolute http or https URL.")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=ftp://hooks.example.com/hunter2", "Health:Alerts:Webhooks:chat:Url must be an absolute http or https URL.")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.example.com/hunter2|Health:Alerts:Webhooks:chat:Headers:Bad Header=hunter2", "Health:Alerts:Webhooks:chat:Headers:Bad Header must be a valid header name")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.example.com/hunter2|Health:Alerts:Webhooks:chat:Headers:Content-Type=hunter2", "Health:Alerts:Webhooks:chat:Headers:Content-Type must have a value that can be sent as that header")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.example.com/hunter2|Health:Alerts:Webhooks:chat:Headers:X-Token=hunter2-\u00fc", "Health:Alerts:Webhooks:chat:Headers:X-Token must have a value that can be sent as that header")]
    [InlineData("Health:Alerts:Webhooks:chat:Url=https://hooks.example.com/hunter2|Health:Alerts:Webhooks:chat:Secret=hunter2", "Health:Alerts:Webhooks:chat:Secret is not a known setting")]
    [InlineData("Health:Alerts:Retries=3", "Health:Alerts:Retries is not a known setting")]
    [InlineData("Health:Alerts:CoolDown=-00:00:01", "Health:Alerts:CoolDown must be at least zero")]
    [InlineData("Health:Alerts:CoolDown=2.00:00:00", "Health:Alerts:CoolDown must be at least zero and at most 1.00:00:00")]
    [InlineData("Health:Alerts:CoolDown=a minute", "at 'Health:Alerts:CoolDown' to type 'System.TimeSpan'")]
    [InlineData("Health:Alerts:Timeout=00:00:00", "Health:Alerts:Timeout must be greater than zero")]
    [InlineData("Health:Alerts:MaxAttempts=0", "Health:Alerts:MaxAttempts must be between 1 and 20 (was 0).")]
    [InlineData("Health:Alerts:MaxAttempts=21", "Health:Alerts:MaxAttempts must be between 1 and 20 (was 21).")]
    [InlineData("Health:Alerts:RetryDelay=-00:00:01", "Health:Alerts:RetryDelay must be greater than zero")]
    [InlineData("Health:Alerts:QueueCapacity=0", "Health:Alerts:QueueCapacity must be between 1 and 10000")]
    [InlineData("Health:Alerts:Service= ", "Health:Alerts:Service must not be empty.")]
    [InlineData("Health:Alerts:Instance=", "Health:Alerts:Instance must not be empty.")]
    public void A_bad_alert_setting_is_reported_with_its_key_and_no_secret(string settings, string expected)
    {
        var error = ErrorFor(settings);

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Well_formed_alert_settings_are_accepted()
    {
        Assert.Null(ErrorFor(string.Join('|',
            "Health:Alerts:Webhooks:slack:Url=https://hooks.slack.com/services/T000/B000/XXXX",
            "Health:Alerts:Webhooks:ops:Url=http://alerts.internal:8080/events?source=health",
            "Health:Alerts:Webhooks:ops:Headers:Authorization=Bearer abc",
            "Health:Alerts:Webhooks:ops:Headers:Content-Type=application/cloudevents+json",
            "Health:Alerts:CoolDown=00:00:00",
            "Health:Alerts:Timeout=00:00:10",
            "Health:Alerts:MaxAttempts=1",
            "Health:Alerts:RetryDelay=00:00:00.500",
            "Health:Alerts:QueueCapacity=10",
            "Health:Alerts:Service=orders",
            "Health:Alerts:Instance=i-0123456789abcdef0")));
    }

    private static string? ErrorFor(string settings) => ConfigurationGuard.FindError(new ConfigurationBuilder()
        .AddInMemoryCollection(settings.Split('|').Select(pair => pair.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])))
        .Build());

    /// <summary>The pipeline's own warnings about the failing probe, as opposed to anything about alert delivery.</summary>
    private static bool IsProbeOrReadinessEvent(LogEvent e) =>
        e.Properties.TryGetValue("EventId", out var id)
        && (id.ToString().Contains("\"ProbeStatusChanged\"", StringComparison.Ordinal) || id.ToString().Contains("\"ReadinessChanged\"", StringComparison.Ordinal));

    private static async Task<LogEvent> WaitForLogAsync(HealthServiceFactory factory, string eventName, TimeSpan deadline)
    {
        _ = factory.Server; // starts the host if no request has yet
        var limit = Stopwatch.StartNew();
        while (true)
        {
            if (factory.Logs.WithEventName(eventName) is [var found, ..])
            {
                return found;
            }

            if (limit.Elapsed > deadline)
            {
                Assert.Fail($"No {eventName} after {deadline}. Log:\n{string.Join('\n', factory.Logs.Events.Select(e => e.RenderMessage()))}");
            }

            await Task.Delay(20, Ct);
        }
    }
}
