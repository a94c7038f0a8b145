using HealthService.Pipeline;
using HealthService.Telemetry.CloudWatch;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Telemetry;

/// <summary>The check against the EMF specification finds what CloudWatch would refuse, and the documents pass it.</summary>
public sealed class EmfSpecificationTests
{
    private const string Valid = """{"_aws":{"Timestamp":1768469405250,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready","Unit":"None"}]}]},"ServiceName":"orders","Ready":1}""";

    [Fact]
    public void A_valid_document_passes() => Assert.Empty(EmfSpecification.Violations(Valid));

    [Theory]
    [InlineData("no _aws", """{"ServiceName":"orders","Ready":1}""")]
    [InlineData("no Timestamp", """{"_aws":{"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("a Timestamp in ISO 8601", """{"_aws":{"Timestamp":"2026-01-15T09:30:05Z","CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("a member _aws does not define", """{"_aws":{"Timestamp":1,"Extra":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("a unit CloudWatch does not know", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready","Unit":"Boolean"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("an empty namespace", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("a namespace with a character CloudWatch refuses", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"Health*Service","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("a namespace reserved for AWS", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"AWS/ECS","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    [InlineData("a dimension that is not a root member", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"Ready":1}""")]
    [InlineData("a dimension nested instead of on the root", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["Service.Name"]],"Metrics":[{"Name":"Ready"}]}]},"Service":{"Name":"orders"},"Ready":1}""")]
    [InlineData("a dimension that is a number", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":7,"Ready":1}""")]
    [InlineData("a dimension value that is not ASCII", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"bestellungen-ü","Ready":1}""")]
    [InlineData("a metric that is not a root member", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders"}""")]
    [InlineData("a metric that is a string", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":"1"}""")]
    [InlineData("a metric that is a boolean", """{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":true}""")]
    [InlineData("text before the object", """ready {"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[["ServiceName"]],"Metrics":[{"Name":"Ready"}]}]},"ServiceName":"orders","Ready":1}""")]
    public void A_document_CloudWatch_would_refuse_is_reported(string why, string line) =>
        Assert.True(EmfSpecification.Violations(line).Count > 0, $"Not reported: {why}");

    [Fact]
    public void More_than_30_dimensions_or_100_metrics_in_a_directive_are_reported()
    {
        var keys = Enumerable.Range(0, 31).Select(i => $"D{i}").ToList();
        var dimensions = $$"""{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[[{{string.Join(',', keys.Select(k => $"\"{k}\""))}}]],"Metrics":[{"Name":"Ready"}]}]},{{string.Join(',', keys.Select(k => $"\"{k}\":\"x\""))}},"Ready":1}""";
        var names = Enumerable.Range(0, 101).Select(i => $"M{i}").ToList();
        var metrics = $$"""{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"HealthService","Dimensions":[[]],"Metrics":[{{string.Join(',', names.Select(n => $"{{\"Name\":\"{n}\"}}"))}}]}]},{{string.Join(',', names.Select(n => $"\"{n}\":1"))}}}""";

        Assert.Contains(EmfSpecification.Violations(dimensions), v => v.Contains("more than 30", StringComparison.Ordinal));
        Assert.Contains(EmfSpecification.Violations(metrics), v => v.Contains("more than 100", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("postgres-main")]
    [InlineData("bestellungen-\u00fc")] // not ASCII: CloudWatch would refuse it as a dimension value
    [InlineData("tab\there")]
    [InlineData("   ")]
    public void Every_document_meets_the_specification_whatever_the_probe_is_called(string probe)
    {
        var source = new EmfSource("Shop/Orders service", "orders", Instance: null);
        var at = DateTimeOffset.UnixEpoch.AddDays(20_000);

        EmfSpecification.AssertValid(EmfDocument.Round(source, at, Readiness.Ok));
        EmfSpecification.AssertValid(EmfDocument.ReadinessChanged(source, at, Readiness.Ok, Readiness.Unhealthy, [probe]));
        EmfSpecification.AssertValid(EmfDocument.Probe(source, at, probe, HealthStatus.Degraded, critical: false, durationMs: 12.5));
        EmfSpecification.AssertValid(EmfDocument.Probe(source, at, probe, HealthStatus.Healthy, critical: true, durationMs: null));
    }

    [Fact]
    public void A_probe_name_CloudWatch_would_refuse_keeps_its_printable_characters()
    {
        Assert.Equal("bestellungen-_", EmfDocument.DimensionValue("bestellungen-\u00fc"));
        Assert.Equal("postgres-main", EmfDocument.DimensionValue("postgres-main"));
        Assert.Equal("_", EmfDocument.DimensionValue("\t"));
        Assert.Equal(1024, EmfDocument.DimensionValue(new string('\u00e9', 2000)).Length);
    }
}
