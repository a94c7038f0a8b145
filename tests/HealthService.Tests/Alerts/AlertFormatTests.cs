using System.Globalization;
using System.Text;
using System.Text.Json;
using HealthService.Alerts;
using HealthService.Alerts.Formats;

namespace HealthService.Tests.Alerts;

/// <summary>Each format's body against the vendor's documented structure and limits, for ordinary and oversized events.</summary>
public sealed class AlertFormatTests
{
    private const string RoutingKey = "R0123456789abcdef0123456789abcdef";

    private static IAlertFormat Format(string format) =>
        AlertFormats.For(new AlertWebhookOptions { Format = format, RoutingKey = format == "pagerduty" ? RoutingKey : null });

    private static JsonElement Render(string format, AlertEvent alert) => JsonDocument.Parse(Format(format).Render(alert)).RootElement;

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    [Fact]
    public void Json_is_the_event_itself_and_the_default()
    {
        var alert = SampleAlerts.Failure();

        Assert.Equal(alert.ToJson(), Format("json").Render(alert));
        Assert.Equal(alert.ToJson(), AlertFormats.For(new AlertWebhookOptions()).Render(alert));
    }

    [Theory]
    [InlineData("slack")]
    [InlineData("teams")]
    [InlineData("pagerduty")]
    public void Failure_and_recovery_bodies_follow_the_vendor_schema(string format)
    {
        VendorSchemas.AssertValid(VendorSchemas.For(format), Format(format).Render(SampleAlerts.Failure()));
        VendorSchemas.AssertValid(VendorSchemas.For(format), Format(format).Render(SampleAlerts.Recovery()));
        VendorSchemas.AssertValid(VendorSchemas.For(format), Format(format).Render(SampleAlerts.Maintenance()));
    }

    [Theory]
    [InlineData("slack", """{"text":"x","blocks":[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]}""")]
    [InlineData("slack", """{"text":"x","blocks":[{"type":"section","fields":[]}]}""")]
    [InlineData("teams", """{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4","$schema":"http://adaptivecards.io/schemas/adaptive-card.json","body":[{"type":"TextBlock","text":"x","color":"red"}]}}]}""")]
    [InlineData("teams", """{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.2","$schema":"http://adaptivecards.io/schemas/adaptive-card.json","body":[]}}]}""")]
    [InlineData("pagerduty", """{"routing_key":"k","event_action":"trigger","dedup_key":"d"}""")]
    [InlineData("pagerduty", """{"routing_key":"k","event_action":"resolve"}""")]
    [InlineData("pagerduty", """{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"i","severity":"fatal"}}""")]
    [InlineData("pagerduty", """{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"i","severity":"info","timestamp":"yesterday"}}""")]
    public void The_schemas_refuse_what_the_vendors_refuse(string format, string body) =>
        Assert.NotEmpty(VendorSchemas.Violations(VendorSchemas.For(format), Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Slack_gives_the_readiness_the_probes_with_their_reasons_the_instance_and_the_time()
    {
        var alert = SampleAlerts.Failure();
        var message = Render("slack", alert);

        Assert.Equal(alert.Text.Replace("->", "-&gt;", StringComparison.Ordinal), Text(message, "text")); // mrkdwn escapes '>'
        var blocks = message.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(["header", "section", "section", "section"], blocks.Select(b => Text(b, "type")));
        Assert.Equal(":red_circle: orders on i-0123456789abcdef0 is NotReady: Unhealthy", Text(blocks[0].GetProperty("text"), "text"));
        Assert.Equal(
            [
                "*Readiness*\nNotReady: Unhealthy (was Ready)",
                "*Service*\norders",
                "*Instance*\ni-0123456789abcdef0",
                "*Since*\n<!date^1772366405^{date_short_pretty} {time_secs}|2026-03-01 12:00:05 UTC>",
            ],
            blocks[1].GetProperty("fields").EnumerateArray().Select(f => Text(f, "text")));
        Assert.Equal("*http:payments* Unhealthy (was Healthy)\nunexpected status 503", Text(blocks[2].GetProperty("text"), "text"));
        Assert.Equal("*postgres:main* Unhealthy (was Healthy)\ntimed out after 2 s", Text(blocks[3].GetProperty("text"), "text"));

        var recovery = Render("slack", SampleAlerts.Recovery()).GetProperty("blocks")[0].GetProperty("text");
        Assert.Equal(":large_green_circle: orders on i-0123456789abcdef0 is Ready", Text(recovery, "text"));
    }

    [Fact]
    public void Slack_stays_within_its_block_limits_and_says_how_many_probes_were_left_out()
    {
        var body = Format("slack").Render(SampleAlerts.Huge(200));
        VendorSchemas.AssertValid(VendorSchemas.Slack, body); // the schema carries every limit; the asserts show them
        var message = JsonDocument.Parse(body).RootElement;

        var blocks = message.GetProperty("blocks").EnumerateArray().ToArray();
        Assert.Equal(SlackAlertFormat.MaxBlocks, blocks.Length);
        var header = Text(blocks[0].GetProperty("text"), "text");
        Assert.Equal(SlackAlertFormat.MaxHeaderText, header.Length);
        Assert.EndsWith("…", header, StringComparison.Ordinal);
        Assert.All(blocks[1].GetProperty("fields").EnumerateArray(), field => Assert.InRange(Text(field, "text").Length, 1, SlackAlertFormat.MaxFieldText));
        var probes = blocks[2..^1];
        Assert.Equal(47, probes.Length);
        Assert.All(probes, block =>
        {
            var text = Text(block.GetProperty("text"), "text");
            Assert.InRange(text.Length, SlackAlertFormat.MaxSectionText - 5, SlackAlertFormat.MaxSectionText); // an escape is never cut
            Assert.EndsWith("…", text, StringComparison.Ordinal);
            Assert.DoesNotContain("<", text, StringComparison.Ordinal);
        });
        Assert.StartsWith("*probe-046-", Text(probes[^1].GetProperty("text"), "text"), StringComparison.Ordinal);
        var context = blocks[^1];
        Assert.Equal("context", Text(context, "type"));
        Assert.Equal("153 more probes not shown", Text(context.GetProperty("elements")[0], "text"));
        Assert.Equal(SlackAlertFormat.MaxFallbackText, Text(message, "text").Length);
    }

    [Fact]
    public void Slack_escapes_what_would_otherwise_be_a_mention_or_a_link()
    {
        var alert = SampleAlerts.Failure() with
        {
            Probes = [new AlertProbeChange("db", "Healthy", "Unhealthy", "<!channel> R&D <https://example.com|click>")],
        };

        var section = Text(Render("slack", alert).GetProperty("blocks")[2].GetProperty("text"), "text");

        Assert.Equal("*db* Unhealthy (was Healthy)\n&lt;!channel&gt; R&amp;D &lt;https://example.com|click&gt;", section);
    }

    [Theory]
    [InlineData("abcdefgh", 8, "abcdefgh")]
    [InlineData("abcdefghi", 8, "abcdefg…")]
    [InlineData("abcd&xyz", 8, "abcd…")] // "abcd&amp;" cut inside the escape: the escape goes whole
    [InlineData("ab<", 8, "ab&lt;")]
    [InlineData("abcde\U0001F600x", 7, "abcde…")] // a surrogate pair is not split
    public void Slack_text_is_cut_with_an_ellipsis_never_inside_an_escape_or_a_character(string raw, int max, string expected) =>
        Assert.Equal(expected, SlackAlertFormat.Mrkdwn(raw, max));

    [Fact]
    public void Teams_carries_an_adaptive_card_with_the_readiness_the_probes_the_instance_and_the_time()
    {
        var alert = SampleAlerts.Failure();
        var message = Render("teams", alert);

        Assert.Equal("message", Text(message, "type"));
        var attachment = Assert.Single(message.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", Text(attachment, "contentType"));
        var card = attachment.GetProperty("content");
        Assert.Equal(("AdaptiveCard", "1.4", "http://adaptivecards.io/schemas/adaptive-card.json"), (Text(card, "type"), Text(card, "version"), Text(card, "$schema")));
        Assert.Equal(alert.Text, Text(card, "fallbackText"));
        var body = card.GetProperty("body").EnumerateArray().ToArray();
        Assert.Equal(["TextBlock", "FactSet", "TextBlock", "FactSet"], body.Select(e => Text(e, "type")));
        Assert.Equal(("orders on i-0123456789abcdef0 is NotReady: Unhealthy", "attention"), (Text(body[0], "text"), Text(body[0], "color")));
        Assert.Equal(
            [("Readiness", "NotReady: Unhealthy (was Ready)"), ("Service", "orders"), ("Instance", "i-0123456789abcdef0"), ("Since", "2026-03-01 12:00:05 UTC")],
            Facts(body[1]));
        Assert.Equal(
            [("http:payments", "Unhealthy (was Healthy): unexpected status 503"), ("postgres:main", "Unhealthy (was Healthy): timed out after 2 s")],
            Facts(body[3]));

        var recovery = Render("teams", SampleAlerts.Recovery()).GetProperty("attachments")[0].GetProperty("content").GetProperty("body")[0];
        Assert.Equal(("orders on i-0123456789abcdef0 is Ready", "good"), (Text(recovery, "text"), Text(recovery, "color")));
    }

    [Fact]
    public void Teams_keeps_a_huge_event_well_below_the_message_size_limit_and_says_how_many_probes_were_left_out()
    {
        var body = Format("teams").Render(SampleAlerts.Huge(200));

        VendorSchemas.AssertValid(VendorSchemas.Teams, body);
        Assert.InRange(body.Length, 1, 28 * 1024); // Teams refuses webhook messages over about 28 KB
        var card = JsonDocument.Parse(body).RootElement.GetProperty("attachments")[0].GetProperty("content").GetProperty("body").EnumerateArray().ToArray();
        var probes = Facts(card[3]);
        Assert.Equal(TeamsAlertFormat.MaxProbes, probes.Length);
        Assert.All(probes, fact => Assert.EndsWith("…", fact.Value, StringComparison.Ordinal));
        Assert.Equal("180 more probes not shown", Text(card[^1], "text"));
    }

    [Fact]
    public void PagerDuty_triggers_on_failure_and_resolves_on_recovery_under_one_dedup_key()
    {
        var failure = SampleAlerts.Failure();
        var trigger = Render("pagerduty", failure);
        var resolve = Render("pagerduty", SampleAlerts.Recovery());

        Assert.Equal((RoutingKey, "trigger", "orders/i-0123456789abcdef0"), (Text(trigger, "routing_key"), Text(trigger, "event_action"), Text(trigger, "dedup_key")));
        var payload = trigger.GetProperty("payload");
        Assert.Equal(failure.Text, Text(payload, "summary"));
        Assert.Equal(("i-0123456789abcdef0", "critical", "orders"), (Text(payload, "source"), Text(payload, "severity"), Text(payload, "component")));
        Assert.Equal("2026-03-01T12:00:05.123Z", Text(payload, "timestamp"));
        Assert.Equal(SampleAlerts.Time, DateTime.Parse(Text(payload, "timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
        var details = payload.GetProperty("custom_details");
        Assert.Equal(("NotReady", "Ready"), (Text(details, "readiness"), Text(details, "previous_readiness")));
        Assert.Equal(("Unhealthy", "OK"), (Text(details, "readiness_reason"), Text(details, "previous_readiness_reason")));
        Assert.Equal(
            [("http:payments", "Unhealthy", "Healthy", "unexpected status 503"), ("postgres:main", "Unhealthy", "Healthy", "timed out after 2 s")],
            details.GetProperty("probes").EnumerateArray().Select(p => (Text(p, "name"), Text(p, "status"), Text(p, "previous_status"), Text(p, "reason"))));

        Assert.Equal((RoutingKey, "resolve", "orders/i-0123456789abcdef0"), (Text(resolve, "routing_key"), Text(resolve, "event_action"), Text(resolve, "dedup_key")));
        Assert.Equal("Ready", Text(resolve.GetProperty("payload").GetProperty("custom_details"), "readiness"));
    }

    [Fact]
    public void Maintenance_is_named_in_every_format_and_is_not_shown_or_paged_as_an_outage()
    {
        var alert = SampleAlerts.Maintenance();

        var plain = Render("json", alert);
        Assert.Equal(("Ready", "NotReady"), (Text(plain, "previousStatus"), Text(plain, "status")));
        Assert.Equal(("OK", "Maintenance"), (Text(plain, "previousReadiness"), Text(plain, "readiness")));
        Assert.Equal("orders on i-0123456789abcdef0 is NotReady: Maintenance (was Ready)", Text(plain, "text"));

        var blocks = Render("slack", alert).GetProperty("blocks");
        Assert.Equal(":large_blue_circle: orders on i-0123456789abcdef0 is NotReady: Maintenance", Text(blocks[0].GetProperty("text"), "text"));
        Assert.Equal("*Readiness*\nNotReady: Maintenance (was Ready)", Text(blocks[1].GetProperty("fields")[0], "text"));

        var card = Render("teams", alert).GetProperty("attachments")[0].GetProperty("content").GetProperty("body");
        Assert.Equal(("orders on i-0123456789abcdef0 is NotReady: Maintenance", "accent"), (Text(card[0], "text"), Text(card[0], "color")));
        Assert.Equal(("Readiness", "NotReady: Maintenance (was Ready)"), Facts(card[1])[0]);

        var trigger = Render("pagerduty", alert);
        var payload = trigger.GetProperty("payload");
        Assert.Equal(("trigger", "warning"), (Text(trigger, "event_action"), Text(payload, "severity")));
        Assert.Equal(alert.Text, Text(payload, "summary"));
        var details = payload.GetProperty("custom_details");
        Assert.Equal(("NotReady", "Maintenance", "OK"), (Text(details, "readiness"), Text(details, "readiness_reason"), Text(details, "previous_readiness_reason")));
    }

    [Fact]
    public void PagerDuty_keeps_a_huge_event_within_its_field_limits()
    {
        var body = Format("pagerduty").Render(SampleAlerts.Huge(200));

        VendorSchemas.AssertValid(VendorSchemas.PagerDuty, body);
        Assert.InRange(body.Length, 1, 512 * 1024); // the Events API's limit on one event
        var trigger = JsonDocument.Parse(body).RootElement;
        var summary = Text(trigger.GetProperty("payload"), "summary");
        Assert.Equal(PagerDutyAlertFormat.MaxSummary, summary.Length);
        Assert.EndsWith("…", summary, StringComparison.Ordinal);
        Assert.Equal(PagerDutyAlertFormat.MaxDedupKey, Text(trigger, "dedup_key").Length);
        var details = trigger.GetProperty("payload").GetProperty("custom_details");
        Assert.Equal(PagerDutyAlertFormat.MaxProbes, details.GetProperty("probes").GetArrayLength());
        Assert.Equal(100, details.GetProperty("probes_not_shown").GetInt32());
    }

    [Fact]
    public void PagerDuty_goes_to_the_events_api_unless_a_url_is_set()
    {
        Assert.Equal(new Uri("https://events.pagerduty.com/v2/enqueue"), AlertFormats.UrlOf(new AlertWebhookOptions { Format = "pagerduty", RoutingKey = RoutingKey }));
        Assert.Equal(new Uri("http://127.0.0.1:9/pd"), AlertFormats.UrlOf(new AlertWebhookOptions { Format = "pagerduty", RoutingKey = RoutingKey, Url = "http://127.0.0.1:9/pd" }));
    }

    private static (string Title, string Value)[] Facts(JsonElement factSet) =>
        [.. factSet.GetProperty("facts").EnumerateArray().Select(f => (Text(f, "title"), Text(f, "value")))];
}
