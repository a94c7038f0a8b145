using System.Diagnostics;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Telemetry;

/// <summary>
/// The built service as a real process, its stdout read line by line as the awslogs driver reads it: EMF documents
/// among the log lines, each line one JSON object.
/// </summary>
public sealed class CloudWatchProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShowsWithin = TimeSpan.FromSeconds(10);

    private static (ServiceProcess Service, string Health) Start(StubHttpServer dependency, params (string Key, string? Value)[] settings)
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.500",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Http__api__Url"] = dependency.Url().ToString(),
            ["Health__Http__api__Critical"] = "true",
            ["OTEL_SERVICE_NAME"] = null,
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return (ServiceProcess.Start(environment), $"http://127.0.0.1:{port}/health");
    }

    /// <summary>The EMF documents among the lines written so far.</summary>
    private static List<JsonElement> Documents(ServiceProcess service) =>
        [.. service.StandardOutput.Where(line => line.StartsWith("{\"_aws\":", StringComparison.Ordinal)).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static async Task<JsonElement> WaitForDocumentAsync(ServiceProcess service, Func<JsonElement, bool> match, string what)
    {
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < ShowsWithin)
        {
            foreach (var document in Documents(service))
            {
                if (match(document))
                {
                    return document;
                }
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"The service wrote no document {what}. Stdout:\n{string.Join('\n', service.StandardOutput)}");
        return default;
    }

    [Fact]
    public async Task Enabled_stdout_carries_Ready_1_while_health_is_200_and_0_with_ProbeStatus_0_while_it_is_503_every_line_one_JSON_object()
    {
        await using var dependency = StubHttpServer.Start();
        var (service, health) = Start(dependency, ("Health__Metrics__CloudWatch__Enabled", "true"), ("OTEL_SERVICE_NAME", "orders"));
        await using (service)
        {
            await service.WaitForStatusAsync(health, 200, StartTimeout);
            await WaitForDocumentAsync(service, d => d.IsChangeTo("OK") && d.Number("Ready") == 1, "for the change to OK"); // from Starting, or from Unhealthy when the first call was slow
            await WaitForDocumentAsync(service, d => d.IsRound(1, "OK"), "for a round with Ready 1");
            await WaitForDocumentAsync(service, d => d.IsProbe("http:api", 2), "for the api probe Healthy");

            dependency.Behavior = StubBehavior.Status(503);
            await service.WaitForStatusAsync(health, 503, ShowsWithin);
            var failed = await WaitForDocumentAsync(service, d => d.IsChange("OK", "Unhealthy"), "for the change to Unhealthy");
            await WaitForDocumentAsync(service, d => d.IsRound(0, "Unhealthy"), "for a round with Ready 0");
            var probe = await WaitForDocumentAsync(service, d => d.IsProbe("http:api", 0), "for the api probe Unhealthy");

            dependency.Behavior = StubBehavior.Status(200, "OK");
            await service.WaitForStatusAsync(health, 200, ShowsWithin);
            var recovered = await WaitForDocumentAsync(service, d => d.IsChange("Unhealthy", "OK"), "for the change back to OK");

            Assert.Equal(0, failed.Number("Ready"));
            Assert.Equal(["http:api"], failed.GetProperty("FailingProbes").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal(1, recovered.Number("Ready"));
            Assert.Equal(["ServiceName,Probe"], probe.DimensionSets());
            Assert.True(probe.GetProperty("Critical").GetBoolean());

            // Every line is whole: a log line or an EMF document, never pieces of both.
            var lines = service.StandardOutput;
            Assert.All(lines, line =>
            {
                using var parsed = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
                Assert.True(parsed.RootElement.TryGetProperty("_aws", out _) || parsed.RootElement.TryGetProperty("@t", out _), line);
            });
            var documents = lines.Where(line => line.StartsWith("{\"_aws\":", StringComparison.Ordinal)).ToList();
            Assert.All(documents, EmfSpecification.AssertValid);
            Assert.All(Documents(service), d => Assert.Equal("orders", d.Text("ServiceName"))); // OTEL_SERVICE_NAME
            Assert.Contains(lines, line => line.Contains("\"CloudWatchMetricsStarted\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Off_by_default_no_line_carries_an_EMF_document()
    {
        await using var dependency = StubHttpServer.Start();
        var (service, health) = Start(dependency);
        await using (service)
        {
            await service.WaitForStatusAsync(health, 200, StartTimeout);
            var rounds = dependency.Hits;
            var limit = Stopwatch.StartNew();
            while (dependency.Hits < rounds + 3 && limit.Elapsed < ShowsWithin)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken); // three more rounds
            }

            Assert.True(dependency.Hits >= rounds + 3, $"Only {dependency.Hits - rounds} rounds ran");
            Assert.Contains(service.StandardOutput, line => line.Contains("\"ReadinessChanged\"", StringComparison.Ordinal)); // the output is read
            Assert.DoesNotContain(service.StandardOutput, line => line.Contains("_aws", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("", "Health:Metrics:CloudWatch:Namespace must not be empty")]
    [InlineData("AWS/ECS", "Health:Metrics:CloudWatch:Namespace must not start with 'AWS/'")]
    public async Task A_namespace_CloudWatch_refuses_stops_start_up_with_one_line_naming_the_key(string value, string expected)
    {
        await using var dependency = StubHttpServer.Start();
        var (service, _) = Start(dependency, ("Health__Metrics__CloudWatch__Enabled", "true"), ("Health__Metrics__CloudWatch__Namespace", value));
        await using (service)
        {
            var exitCode = await service.WaitForExitAsync(StartTimeout);

            Assert.Equal(78, exitCode);
            var line = Assert.Single(service.StandardError);
            Assert.StartsWith("HealthService: configuration error: ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
    }
}
