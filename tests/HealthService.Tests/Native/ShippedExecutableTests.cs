using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthService.Tests.Identity;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Native;

/// <summary>
/// Every feature at once in the executable that ships (the native one in CI, see <see cref="ServiceProcess"/>): a
/// trimmed, ahead-of-time compiled program has no reflection to fall back on, so each kind of probe, each alert
/// format, the OTLP export, CloudWatch EMF, the instance identity, the details view and the maintenance command are
/// driven through one real process, against real servers on loopback.
/// </summary>
public sealed class ShippedExecutableTests
{
    private const string TaskId = "8f2a6c1e9b7d4e3fa1c0d2b3e4f5a6b7";
    private const string RoutingKey = "R0UT1NGKEY0123456789ABCDEFGHIJKL";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_probe_kind_alert_format_export_identity_and_maintenance_work_in_the_shipped_executable()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        await using var dependency = StubHttpServer.Start();
        await using var collector = StubHttpServer.Start();
        var receivers = new Dictionary<string, StubHttpServer>();
        foreach (var format in (string[])["json", "slack", "teams", "pagerduty"])
        {
            receivers[format] = StubHttpServer.Start(StubBehavior.Status(format == "pagerduty" ? 202 : 200));
        }

        await using var ecs = await FakeMetadataServer.StartAsync(context =>
        {
            var isTask = context.Request.Method == "GET" && context.Request.Path == "/v4/c/task";
            return FakeMetadataServer.Answer(context, isTask ? 200 : 404, isTask ? JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["Cluster"] = "arn:aws:ecs:eu-west-1:123456789012:cluster/orders",
                ["TaskARN"] = "arn:aws:ecs:eu-west-1:123456789012:task/orders/" + TaskId,
                ["AvailabilityZone"] = "eu-west-1b",
            }) : "");
        });

        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.800",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Postgres__db__ConnectionString"] = postgres.ConnectionString(),
            ["Health__Http__api__Url"] = dependency.Url("/ping").ToString(),
            ["Health__Http__api__Critical"] = "true",
            ["Health__Command__tool__Path"] = "/bin/true",
            ["Health__Memory__Enabled"] = "true",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = Text(localPort),
            ["Health__Alerts__CoolDown"] = "00:00:00",
            ["Health__Alerts__Service"] = "orders",
            ["Health__Metrics__CloudWatch__Enabled"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{collector.Port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["ECS_CONTAINER_METADATA_URI_V4"] = ecs.Url("/v4/c").ToString().TrimEnd('/'),
        };
        foreach (var (format, receiver) in receivers)
        {
            environment[$"Health__Alerts__Webhooks__{format}__Format"] = format;
            environment[$"Health__Alerts__Webhooks__{format}__Url"] = receiver.Url("/hook").ToString();
        }

        environment["Health__Alerts__Webhooks__pagerduty__RoutingKey"] = RoutingKey;

        try
        {
            var service = ServiceProcess.Start(environment);
            await using (service)
            {
                var health = $"http://127.0.0.1:{port}/health";
                await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(30));

                // Every probe kind ran and is Healthy; the instance is the ECS task.
                using var client = new HttpClient();
                var details = await WaitForAsync(
                    async () => JsonNode.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{localPort}/health/details"), Ct))!,
                    view => view["instance"]?["id"]?.GetValue<string>() == TaskId);
                var entries = details["entries"]!.AsObject();
                foreach (var probe in (string[])["postgres:db", "http:api", "command:tool", "memory"])
                {
                    Assert.True(entries.ContainsKey(probe), $"no {probe} in {entries.ToJsonString()}");
                    Assert.Equal("Healthy", entries[probe]!["status"]!.GetValue<string>());
                }

                Assert.DoesNotContain(postgres.Password, details.ToJsonString(), StringComparison.Ordinal);

                // A critical dependency fails: /health says so and every receiver is told, each in its own format.
                dependency.Behavior = StubBehavior.Status(500);
                await service.WaitForStatusAsync(health, 503, TimeSpan.FromSeconds(15));
                foreach (var receiver in receivers.Values)
                {
                    await receiver.WaitForHitsAsync(1, TimeSpan.FromSeconds(15), Ct);
                }

                var json = JsonNode.Parse(receivers["json"].Requests[0].Body)!;
                Assert.Equal("NotReady", json["status"]!.GetValue<string>());
                Assert.Equal(TaskId, json["instance"]!.GetValue<string>());
                Assert.Contains("http:api", receivers["json"].Requests[0].Body, StringComparison.Ordinal);
                Assert.NotNull(JsonNode.Parse(receivers["slack"].Requests[0].Body)!["blocks"]);
                Assert.Equal("message", JsonNode.Parse(receivers["teams"].Requests[0].Body)!["type"]!.GetValue<string>());
                var pagerDuty = JsonNode.Parse(receivers["pagerduty"].Requests[0].Body)!;
                Assert.Equal(RoutingKey, pagerDuty["routing_key"]!.GetValue<string>());
                Assert.Contains(TaskId, pagerDuty["dedup_key"]!.GetValue<string>(), StringComparison.Ordinal);

                dependency.Behavior = StubBehavior.Status(200, "OK");
                await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(15));

                // The maintenance command takes the instance out and puts it back.
                Assert.Equal(0, await RunCommandAsync(environment, "maintenance", "on", "--reason", "native check", "--ttl", "5m"));
                using (var answer = await service.WaitForStatusAsync(health, 503, TimeSpan.FromSeconds(10)))
                {
                    Assert.Equal("Maintenance", await answer.Content.ReadAsStringAsync(Ct));
                }

                Assert.Equal(0, await RunCommandAsync(environment, "maintenance", "off"));
                await service.WaitForStatusAsync(health, 200, TimeSpan.FromSeconds(10));

                // OTLP: the protobuf carries the metric names as plain strings.
                await collector.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);
                Assert.Contains(collector.Requests, r => r.Path == "/v1/metrics" && r.Body.Contains("healthservice.ready", StringComparison.Ordinal));

                service.Signal("TERM");
                Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }

            // CloudWatch EMF documents and the JSON log events share standard output.
            Assert.Contains(service.StandardOutput, line => line.StartsWith("{\"_aws\":", StringComparison.Ordinal) && line.Contains("\"ProbeStatus\"", StringComparison.Ordinal) && line.Contains("\"postgres:db\"", StringComparison.Ordinal));
            Assert.Contains(service.StandardOutput, line => line.StartsWith("{\"@t\":", StringComparison.Ordinal) && line.Contains("\"MaintenanceStarted\"", StringComparison.Ordinal));
            Assert.DoesNotContain(service.StandardOutput, line => line.Contains(postgres.Password, StringComparison.Ordinal) || line.Contains(RoutingKey, StringComparison.Ordinal));
        }
        finally
        {
            foreach (var receiver in receivers.Values)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    private static async Task<int> RunCommandAsync(Dictionary<string, string?> environment, params string[] args)
    {
        await using var command = ServiceProcess.Start(environment, args);
        return await command.WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task<JsonNode> WaitForAsync(Func<Task<JsonNode>> read, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100, Ct);
        }
    }
}
