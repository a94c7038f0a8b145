using System.Text.Json;
using HealthService.Lifecycle;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthService.Tests.Alerts;

/// <summary>Each format delivered by a running service to real HTTP receivers on loopback.</summary>
public sealed class AlertFormatDeliveryTests
{
    private const string RoutingKey = "R0123456789abcdef0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory(ControllableHealthCheck check) => new HealthServiceFactory()
        .WithCheck("db", check)
        .With("Health:Alerts:Service", "orders")
        .With("Health:Alerts:Instance", "orders-1")
        .With("Health:Alerts:CoolDown", "00:00:01")
        .With("Health:Alerts:RetryDelay", "00:00:00.200");

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    [Fact]
    public async Task Each_receiver_gets_the_event_in_its_own_format()
    {
        await using var json = StubHttpServer.Start();
        await using var slack = StubHttpServer.Start();
        await using var teams = StubHttpServer.Start();
        await using var factory = Factory(new ControllableHealthCheck { Mode = ProbeMode.Unhealthy })
            .With("Health:Alerts:Webhooks:ops:Url", json.Url("/events").ToString())
            .With("Health:Alerts:Webhooks:chat:Url", slack.Url("/services/T000/B000/XXXX").ToString())
            .With("Health:Alerts:Webhooks:chat:Format", "slack")
            .With("Health:Alerts:Webhooks:channel:Url", teams.Url("/workflows/abc/invoke").ToString())
            .With("Health:Alerts:Webhooks:channel:Format", "teams");

        _ = factory.Server; // starting not ready is news: one event to each receiver
        foreach (var stub in new[] { json, slack, teams })
        {
            await stub.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);
        }

        var expected = "orders on orders-1 is NotReady: Unhealthy (was Starting): db Starting -> Unhealthy (failing on purpose)";
        var plain = JsonDocument.Parse(Assert.Single(json.Requests).Body).RootElement;
        Assert.Equal(expected, Text(plain, "text"));

        var chat = Assert.Single(slack.Requests);
        Assert.Equal(("POST", "/services/T000/B000/XXXX"), (chat.Method, chat.Path));
        Assert.StartsWith("application/json", chat.Headers["Content-Type"], StringComparison.Ordinal);
        VendorSchemas.AssertValid(VendorSchemas.Slack, System.Text.Encoding.UTF8.GetBytes(chat.Body));
        var message = JsonDocument.Parse(chat.Body).RootElement;
        Assert.Equal(expected.Replace("->", "-&gt;", StringComparison.Ordinal), Text(message, "text"));
        Assert.Equal(":red_circle: orders on orders-1 is NotReady: Unhealthy", Text(message.GetProperty("blocks")[0].GetProperty("text"), "text"));
        Assert.Equal("*db* Unhealthy (was Starting)\nfailing on purpose", Text(message.GetProperty("blocks")[2].GetProperty("text"), "text"));

        var card = Assert.Single(teams.Requests);
        Assert.StartsWith("application/json", card.Headers["Content-Type"], StringComparison.Ordinal);
        VendorSchemas.AssertValid(VendorSchemas.Teams, System.Text.Encoding.UTF8.GetBytes(card.Body));
        var content = JsonDocument.Parse(card.Body).RootElement.GetProperty("attachments")[0].GetProperty("content");
        Assert.Equal("orders on orders-1 is NotReady: Unhealthy", Text(content.GetProperty("body")[0], "text"));
        var probe = content.GetProperty("body")[3].GetProperty("facts")[0];
        Assert.Equal(("db", "Unhealthy (was Starting): failing on purpose"), (Text(probe, "title"), Text(probe, "value")));
    }

    [Fact]
    public async Task PagerDuty_gets_a_trigger_then_a_resolve_with_one_dedup_key_and_the_routing_key_is_never_logged()
    {
        await using var events = StubHttpServer.Start(StubBehavior.Status(202, """{"status":"success","message":"Event processed"}"""));
        var check = new ControllableHealthCheck();
        await using var factory = Factory(check)
            .With("Health:Alerts:Webhooks:pd:Url", events.Url("/v2/enqueue").ToString())
            .With("Health:Alerts:Webhooks:pd:Format", "pagerduty")
            .With("Health:Alerts:Webhooks:pd:RoutingKey", RoutingKey);
        await factory.WaitForStatusAsync(200, "OK");

        check.Mode = ProbeMode.Unhealthy;
        await events.WaitForHitsAsync(1, TimeSpan.FromSeconds(5), Ct);
        check.Mode = ProbeMode.Healthy;
        await events.WaitForHitsAsync(2, TimeSpan.FromSeconds(5), Ct); // after the 1 s cool-down at the latest
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (factory.Logs.WithEventName("AlertDelivered").Count < 2 && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20, Ct); // the delivery is logged once the answer is read, a moment after the request arrives
        }

        await factory.LogsWrittenAsync();

        var (trigger, resolve) = (JsonDocument.Parse(events.Requests[0].Body).RootElement, JsonDocument.Parse(events.Requests[1].Body).RootElement);
        Assert.All(events.Requests, request =>
        {
            Assert.Equal(("POST", "/v2/enqueue"), (request.Method, request.Path));
            VendorSchemas.AssertValid(VendorSchemas.PagerDuty, System.Text.Encoding.UTF8.GetBytes(request.Body));
        });
        Assert.Equal((RoutingKey, "trigger", "orders/orders-1"), (Text(trigger, "routing_key"), Text(trigger, "event_action"), Text(trigger, "dedup_key")));
        Assert.Equal(("orders-1", "critical"), (Text(trigger.GetProperty("payload"), "source"), Text(trigger.GetProperty("payload"), "severity")));
        Assert.Equal(
            "orders on orders-1 is NotReady: Unhealthy (was Ready): db Healthy -> Unhealthy (failing on purpose)",
            Text(trigger.GetProperty("payload"), "summary"));
        Assert.Equal((RoutingKey, "resolve", "orders/orders-1"), (Text(resolve, "routing_key"), Text(resolve, "event_action"), Text(resolve, "dedup_key")));
        Assert.Equal(2, factory.Logs.WithEventName("AlertDelivered").Count);
        Assert.DoesNotContain(RoutingKey, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Maintenance_turned_on_reaches_every_receiver_by_name_and_pages_no_one_as_an_outage()
    {
        await using var json = StubHttpServer.Start();
        await using var slack = StubHttpServer.Start();
        await using var teams = StubHttpServer.Start();
        await using var events = StubHttpServer.Start(StubBehavior.Status(202, """{"status":"success","message":"Event processed"}"""));
        await using var factory = Factory(new ControllableHealthCheck())
            .With("Health:Alerts:Webhooks:ops:Url", json.Url("/events").ToString())
            .With("Health:Alerts:Webhooks:chat:Url", slack.Url("/services/T000/B000/XXXX").ToString())
            .With("Health:Alerts:Webhooks:chat:Format", "slack")
            .With("Health:Alerts:Webhooks:channel:Url", teams.Url("/workflows/abc/invoke").ToString())
            .With("Health:Alerts:Webhooks:channel:Format", "teams")
            .With("Health:Alerts:Webhooks:pd:Url", events.Url("/v2/enqueue").ToString())
            .With("Health:Alerts:Webhooks:pd:Format", "pagerduty")
            .With("Health:Alerts:Webhooks:pd:RoutingKey", RoutingKey);
        await factory.WaitForStatusAsync(200, "OK");
        var maintenance = factory.Services.GetRequiredService<MaintenanceState>();

        maintenance.TurnOn("db migration step 3", TimeSpan.FromMinutes(5), "local");
        await factory.WaitForStatusAsync(503, "Maintenance");
        foreach (var stub in new[] { json, slack, teams, events })
        {
            await stub.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);
        }

        var plain = JsonDocument.Parse(Assert.Single(json.Requests).Body).RootElement;
        Assert.Equal(("Ready", "NotReady"), (Text(plain, "previousStatus"), Text(plain, "status")));
        Assert.Equal(("OK", "Maintenance"), (Text(plain, "previousReadiness"), Text(plain, "readiness")));
        Assert.Equal("orders on orders-1 is NotReady: Maintenance (was Ready)", Text(plain, "text"));

        var message = JsonDocument.Parse(Assert.Single(slack.Requests).Body).RootElement;
        Assert.Equal(":large_blue_circle: orders on orders-1 is NotReady: Maintenance", Text(message.GetProperty("blocks")[0].GetProperty("text"), "text"));
        Assert.Equal("*Readiness*\nNotReady: Maintenance (was Ready)", Text(message.GetProperty("blocks")[1].GetProperty("fields")[0], "text"));

        var card = JsonDocument.Parse(Assert.Single(teams.Requests).Body).RootElement.GetProperty("attachments")[0].GetProperty("content").GetProperty("body");
        var fact = card[1].GetProperty("facts")[0];
        Assert.Equal(("Readiness", "NotReady: Maintenance (was Ready)"), (Text(fact, "title"), Text(fact, "value")));

        var trigger = Assert.Single(events.Requests);
        VendorSchemas.AssertValid(VendorSchemas.PagerDuty, System.Text.Encoding.UTF8.GetBytes(trigger.Body));
        var payload = JsonDocument.Parse(trigger.Body).RootElement.GetProperty("payload");
        Assert.Equal(("warning", "orders on orders-1 is NotReady: Maintenance (was Ready)"), (Text(payload, "severity"), Text(payload, "summary")));
        Assert.Equal(("NotReady", "Maintenance"), (Text(payload.GetProperty("custom_details"), "readiness"), Text(payload.GetProperty("custom_details"), "readiness_reason")));

        // Turned off: the recovery resolves it, after the 1 s cool-down at the latest.
        maintenance.TurnOff();
        await json.WaitForHitsAsync(2, TimeSpan.FromSeconds(10), Ct);
        await events.WaitForHitsAsync(2, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal("orders on orders-1 is Ready (was NotReady: Maintenance)", Text(JsonDocument.Parse(json.Requests[1].Body).RootElement, "text"));
        Assert.Equal("resolve", Text(JsonDocument.Parse(events.Requests[1].Body).RootElement, "event_action"));
    }

    [Fact]
    public async Task A_drain_after_an_outage_is_delivered_as_Draining()
    {
        await using var json = StubHttpServer.Start();
        await using var events = StubHttpServer.Start(StubBehavior.Status(202, """{"status":"success","message":"Event processed"}"""));
        await using var factory = Factory(new ControllableHealthCheck { Mode = ProbeMode.Unhealthy })
            .With("Health:Alerts:Webhooks:ops:Url", json.Url("/events").ToString())
            .With("Health:Alerts:Webhooks:pd:Url", events.Url("/v2/enqueue").ToString())
            .With("Health:Alerts:Webhooks:pd:Format", "pagerduty")
            .With("Health:Alerts:Webhooks:pd:RoutingKey", RoutingKey);
        await factory.WaitForStatusAsync(503, "Unhealthy");
        await json.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);

        factory.Services.GetRequiredService<DrainState>().Begin();
        await factory.WaitForStatusAsync(503, "Draining");
        await json.WaitForHitsAsync(2, TimeSpan.FromSeconds(10), Ct); // after the 1 s cool-down at the latest
        await events.WaitForHitsAsync(2, TimeSpan.FromSeconds(10), Ct);

        var drained = JsonDocument.Parse(json.Requests[1].Body).RootElement;
        Assert.Equal(("NotReady", "NotReady"), (Text(drained, "previousStatus"), Text(drained, "status")));
        Assert.Equal(("Unhealthy", "Draining"), (Text(drained, "previousReadiness"), Text(drained, "readiness")));
        Assert.Equal("orders on orders-1 is NotReady: Draining (was NotReady: Unhealthy)", Text(drained, "text"));
        var payload = JsonDocument.Parse(events.Requests[1].Body).RootElement.GetProperty("payload");
        Assert.Equal(("warning", "Draining"), (Text(payload, "severity"), Text(payload.GetProperty("custom_details"), "readiness_reason")));
    }

    [Fact]
    public async Task A_drain_of_a_ready_instance_sends_nothing()
    {
        await using var json = StubHttpServer.Start();
        var check = new ControllableHealthCheck();
        await using var factory = Factory(check)
            .With("Health:Alerts:Webhooks:ops:Url", json.Url("/events").ToString());
        await factory.WaitForStatusAsync(200, "OK");

        factory.Services.GetRequiredService<DrainState>().Begin();
        await factory.WaitForStatusAsync(503, "Draining");
        var calls = check.Calls;
        await factory.WaitForAsync((_, _) => check.Calls >= calls + 3, TimeSpan.FromSeconds(10)); // three more rounds, each one a chance to send, past the cool-down

        Assert.Empty(json.Requests);
    }
}
