using System.Text.Json.Nodes;
using HealthService.Pipeline;
using HealthService.Telemetry.CloudWatch;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Telemetry;

/// <summary>
/// The example documents in docs/metrics-examples/ are what the service writes for one fixed incident (indented for
/// reading): a change of the documents that is not reflected there fails here. <c>HEALTHSERVICE_UPDATE_EXAMPLES=1</c>
/// rewrites them.
/// </summary>
public sealed class EmfExampleTests
{
    // An ECS task of the service "orders" whose database stops answering: the probe times out at its 2 s deadline.
    private static readonly EmfSource Source = new("HealthService", "orders", "4f9c1b2e8a7d4c3b9e0f1a2b3c4d5e6f");
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-01-15T09:30:05.250Z", System.Globalization.CultureInfo.InvariantCulture);

    public static TheoryData<string> Examples => ["round.json", "probe.json", "readiness-changed.json"];

    private static string Render(string file) => file switch
    {
        "round.json" => EmfDocument.Round(Source, At, Readiness.Unhealthy),
        "probe.json" => EmfDocument.Probe(Source, At, "postgres-main", HealthStatus.Unhealthy, critical: true, durationMs: 2000.4127),
        "readiness-changed.json" => EmfDocument.ReadinessChanged(Source, At, Readiness.Ok, Readiness.Unhealthy, ["postgres-main"]),
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, "no such example"),
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_documented_example_is_what_the_service_writes_and_meets_the_specification(string file)
    {
        var line = Render(file);
        EmfSpecification.AssertValid(line);
        DocumentedExample.AssertJson($"docs/metrics-examples/{file}", line, "the service");
    }

    [Fact]
    public void The_example_shown_in_docs_metrics_md_is_the_probe_document()
    {
        var markdown = File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "docs", "metrics.md"));
        var start = markdown.IndexOf("```json\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/metrics.md shows no JSON example");
        start += "```json\n".Length;
        var shown = JsonNode.Parse(markdown[start..markdown.IndexOf("```", start, StringComparison.Ordinal)]);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Render("probe.json")), shown), "The example in docs/metrics.md differs from docs/metrics-examples/probe.json");
    }
}
