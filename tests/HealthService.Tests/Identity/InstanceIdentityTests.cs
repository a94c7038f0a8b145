using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HealthService.Identity;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;

namespace HealthService.Tests.Identity;

/// <summary>
/// Which instance is talking: discovered once at start from loopback fakes of the ECS task metadata endpoint and the
/// EC2 instance metadata service (IMDSv2), else the host name; and where the answer shows.
/// </summary>
public sealed class InstanceIdentityTests
{
    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";
    private const string TaskId = "5f2c9a0e1b3d4c7f8a6e2d1c0b9a8f7e";
    private const string TaskArn = "arn:aws:ecs:eu-west-1:123456789012:task/orders-cluster/" + TaskId;
    private const string ClusterArn = "arn:aws:ecs:eu-west-1:123456789012:cluster/orders-cluster";
    private const string Ec2InstanceId = "i-0123456789abcdef0";
    private const string ImdsToken = "AQAEAJx-imds-session-token-secret==";

    private static readonly string TaskDocument = JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["Cluster"] = ClusterArn,
        ["TaskARN"] = TaskArn,
        ["Family"] = "orders",
        ["Revision"] = "7",
        ["DesiredStatus"] = "RUNNING",
        ["KnownStatus"] = "RUNNING",
        ["AvailabilityZone"] = "eu-west-1b",
        ["LaunchType"] = "FARGATE",
        ["Containers"] = Array.Empty<object>(),
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The ECS agent's endpoint for this container: the task document under <c>/task</c>, after <paramref name="delay"/>.</summary>
    private static Task<FakeMetadataServer> EcsAsync(TimeSpan delay = default) => FakeMetadataServer.StartAsync(async context =>
    {
        await Task.Delay(delay, context.RequestAborted);
        var isTask = context.Request.Method == "GET" && context.Request.Path == "/v4/container-7/task";
        await FakeMetadataServer.Answer(context, isTask ? 200 : 404, isTask ? TaskDocument : "");
    });

    /// <summary>
    /// IMDSv2 as EC2 plays it: a token for a PUT that asks for one with a TTL; every read needs that token, else 401.
    /// </summary>
    private static Task<FakeMetadataServer> ImdsAsync() => FakeMetadataServer.StartAsync(context =>
    {
        var request = context.Request;
        if (request.Path == "/latest/api/token")
        {
            return request.Method == "PUT" && request.Headers.ContainsKey("X-aws-ec2-metadata-token-ttl-seconds")
                ? FakeMetadataServer.Answer(context, 200, ImdsToken)
                : FakeMetadataServer.Answer(context, 400);
        }

        if (request.Method != "GET" || request.Headers["X-aws-ec2-metadata-token"] != ImdsToken)
        {
            return FakeMetadataServer.Answer(context, 401);
        }

        return request.Path.Value switch
        {
            "/latest/meta-data/instance-id" => FakeMetadataServer.Answer(context, 200, Ec2InstanceId),
            "/latest/meta-data/placement/availability-zone" => FakeMetadataServer.Answer(context, 200, "eu-west-1c"),
            "/latest/meta-data/placement/region" => FakeMetadataServer.Answer(context, 200, "eu-west-1"),
            _ => FakeMetadataServer.Answer(context, 404),
        };
    });

    private static HealthServiceFactory Factory(FakeMetadataServer? ecs = null, Uri? imds = null)
    {
        var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", DetailsKey)
            .With("ECS_CONTAINER_METADATA_URI_V4", ecs?.Url("/v4/container-7").ToString());
        return imds is null
            ? factory
            : factory.With("AWS_EC2_METADATA_DISABLED", "false").With("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.ToString());
    }

    private static Task<InstanceIdentity> KnownAsync(HealthServiceFactory factory, TimeSpan? within = null) =>
        factory.Services.GetRequiredService<InstanceIdentityProvider>().Known.WaitAsync(within ?? TimeSpan.FromSeconds(5), Ct);

    /// <summary>The <c>instance</c> object of the detailed view, as a remote caller with the key reads it.</summary>
    private static async Task<Dictionary<string, string?>> DetailsInstanceAsync(HealthServiceFactory factory)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/details");
        request.Headers.Add("X-Health-Key", DetailsKey);
        var response = await factory.CreateClient().SendAsync(request, Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("instance").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
    }

    private static async Task<LogEvent> IdentityLogAsync(HealthServiceFactory factory)
    {
        var known = await factory.Logs.WaitForAsync(e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("InstanceIdentityKnown", StringComparison.Ordinal));
        await factory.LogsWrittenAsync();
        Assert.Single(factory.Logs.WithEventName("InstanceIdentityKnown"));
        Assert.Equal(LogEventLevel.Information, known.Level);
        Assert.Null(known.Exception);
        return known;
    }

    [Fact]
    public async Task On_ECS_the_task_id_names_the_instance_in_the_details_view_and_every_later_log_event()
    {
        await using var ecs = await EcsAsync();
        await using var imds = await ImdsAsync();
        var check = new ControllableHealthCheck();
        await using var factory = Factory(ecs, imds.Url()).WithCheck("db", check);

        var identity = await KnownAsync(factory);

        Assert.Equal((TaskId, "ecs"), (identity.Id, identity.Source));
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["id"] = TaskId,
                ["source"] = "ecs",
                ["platform"] = "ecs",
                ["availabilityZone"] = "eu-west-1b",
                ["region"] = "eu-west-1",
                ["cluster"] = ClusterArn,
                ["taskArn"] = TaskArn,
            },
            await DetailsInstanceAsync(factory));
        Assert.Equal([("GET", "/v4/container-7/task")], ecs.Requests.Select(r => (r.Method, r.Path)));
        Assert.Empty(imds.Requests); // ECS first: the instance under the task is not asked

        var known = await IdentityLogAsync(factory);
        Assert.Equal(TaskId, CollectingSink.Scalar(known, "Instance"));
        Assert.Equal("ecs", CollectingSink.Scalar(known, "Source"));
        Assert.Equal("none", CollectingSink.Scalar(known, "Failures"));
        check.Mode = ProbeMode.Unhealthy;
        var change = await factory.WaitForProbeAsync("db", "Unhealthy");
        Assert.Equal(TaskId, CollectingSink.Scalar(change, "Instance"));
        // Later by when each event was written, not by when it reached the sink: an event written a moment before
        // the identity was known can pass through the log queue after the event that says it is.
        Assert.All(factory.Logs.Events.Where(e => e.Timestamp > known.Timestamp), e => Assert.Equal(TaskId, CollectingSink.Scalar(e, "Instance")));
    }

    [Fact]
    public async Task On_EC2_the_IMDSv2_token_is_fetched_first_and_carried_by_every_read()
    {
        await using var imds = await ImdsAsync();
        await using var factory = Factory(imds: imds.Url());

        var identity = await KnownAsync(factory);

        Assert.Equal((Ec2InstanceId, "ec2", "eu-west-1c", "eu-west-1"), (identity.Id, identity.Source, identity.AvailabilityZone, identity.Region));
        var requests = imds.Requests;
        Assert.Equal(("PUT", "/latest/api/token"), (requests[0].Method, requests[0].Path));
        Assert.Equal("21600", requests[0].Headers["X-aws-ec2-metadata-token-ttl-seconds"]);
        Assert.Equal(
            ["/latest/meta-data/instance-id", "/latest/meta-data/placement/availability-zone", "/latest/meta-data/placement/region"],
            requests.Skip(1).Select(r => r.Path));
        Assert.All(requests.Skip(1), r =>
        {
            Assert.Equal("GET", r.Method);
            Assert.Equal(ImdsToken, r.Headers["X-aws-ec2-metadata-token"]);
        });
        var details = await DetailsInstanceAsync(factory);
        Assert.Equal((Ec2InstanceId, "ec2", "eu-west-1c"), (details["id"], details["source"], details["availabilityZone"]));
        Assert.False(details.ContainsKey("taskArn"));
        await IdentityLogAsync(factory);
        Assert.DoesNotContain(ImdsToken, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_IMDS_that_answers_401_leaves_the_host_name_and_one_line_that_says_why()
    {
        await using var refusing = await FakeMetadataServer.StartAsync(context => FakeMetadataServer.Answer(context, 401));
        await using var factory = Factory(imds: refusing.Url());

        var identity = await KnownAsync(factory);

        Assert.Equal((Environment.MachineName, "host"), (identity.Id, identity.Source));
        var known = await IdentityLogAsync(factory);
        Assert.Equal("ec2: token: status 401", CollectingSink.Scalar(known, "Failures"));
        Assert.Equal("PUT", Assert.Single(refusing.Requests).Method); // no read without a token
    }

    [Fact]
    public async Task On_a_machine_with_neither_service_the_host_name_is_the_instance()
    {
        var closed = new Uri($"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}/");
        await using var factory = Factory(imds: closed);

        var identity = await KnownAsync(factory);

        Assert.Equal((Environment.MachineName, "host"), (identity.Id, identity.Source));
        Assert.Equal(
            new Dictionary<string, string?> { ["id"] = Environment.MachineName, ["source"] = "host" },
            await DetailsInstanceAsync(factory));
        var known = await IdentityLogAsync(factory);
        Assert.Equal("ec2: token: connection refused", CollectingSink.Scalar(known, "Failures"));
    }

    [Fact]
    public async Task Metadata_services_that_hang_are_given_up_at_the_deadline_while_health_answers_200()
    {
        // On a fake clock the deadlines pass exactly when the test moves the clock, never because the machine is slow.
        var time = new ObservedClock();
        await using var ecs = await FakeMetadataServer.StartHangingAsync();
        await using var imds = await FakeMetadataServer.StartHangingAsync();
        await using var factory = Factory(ecs, imds.Url()).WithServices(services => services.AddSingleton<TimeProvider>(time));
        var provider = factory.Services.GetRequiredService<InstanceIdentityProvider>(); // starts the host

        await factory.WaitForStatusAsync(200, "OK");
        await WaitForRequestsAsync(ecs, 1); // its timeout is set before it is sent
        Assert.Null(provider.Current); // /health is ready while discovery still waits

        // ECS gets its 1 s; then EC2's token request gets what is left of the 2 s in all.
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForRequestsAsync(imds, 1);
        Assert.Null(provider.Current);
        time.Advance(TimeSpan.FromSeconds(1));
        var identity = await provider.Known.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal((Environment.MachineName, "host"), (identity.Id, identity.Source));
        var known = await IdentityLogAsync(factory);
        Assert.Equal("ecs: timed out after 1 s; ec2: token: timed out at the 2 s deadline", CollectingSink.Scalar(known, "Failures"));
        Assert.Single(ecs.Requests);
        Assert.Equal("PUT", Assert.Single(imds.Requests).Method);
        var health = await factory.CreateClient().GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Waits until <paramref name="server"/> has received <paramref name="count"/> requests; fails after 10 s.</summary>
    private static async Task WaitForRequestsAsync(FakeMetadataServer server, int count)
    {
        var limit = Stopwatch.StartNew();
        while (server.Requests.Count < count)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), $"{server.Requests.Count} of {count} metadata requests arrived within 10 s.");
            await Task.Delay(5, Ct);
        }
    }

    [Fact]
    public async Task The_configured_instance_wins_over_what_discovery_finds()
    {
        await using var ecs = await EcsAsync();
        await using var factory = Factory(ecs).With("Health:Alerts:Instance", "orders-blue-7");

        var identity = await KnownAsync(factory);

        Assert.Equal(("orders-blue-7", "configured"), (identity.Id, identity.Source));
        var details = await DetailsInstanceAsync(factory);
        Assert.Equal(("orders-blue-7", "configured", "ecs", TaskArn), (details["id"], details["source"], details["platform"], details["taskArn"]));
        var known = await IdentityLogAsync(factory);
        Assert.Equal("orders-blue-7", CollectingSink.Scalar(known, "Instance"));
    }

    [Fact]
    public async Task An_alert_due_before_discovery_ends_waits_for_it_and_names_the_ECS_task()
    {
        // The metadata answers only once the alert is due (the service has logged that it is not ready), and well
        // inside discovery's 1 s per request: waiting a fixed time instead raced that deadline on a loaded machine.
        var alertDue = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var ecs = await FakeMetadataServer.StartAsync(async context =>
        {
            await Task.WhenAny(alertDue.Task, Task.Delay(TimeSpan.FromMilliseconds(800), context.RequestAborted));
            var isTask = context.Request.Method == "GET" && context.Request.Path == "/v4/container-7/task";
            await FakeMetadataServer.Answer(context, isTask ? 200 : 404, isTask ? TaskDocument : "");
        });
        await using var receiver = StubHttpServer.Start();
        await using var factory = Factory(ecs)
            .WithCheck("db", new ControllableHealthCheck { Mode = ProbeMode.Unhealthy })
            .With("Health:Alerts:Webhooks:chat:Url", receiver.Url("/hook").ToString())
            .With("Health:Alerts:Service", "orders");
        _ = factory.Server; // starts the host: not ready from the first round
        await factory.Logs.WaitForAsync(e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("ReadinessChanged", StringComparison.Ordinal));
        alertDue.SetResult(); // the alert is due, and held back until the instance has a name

        await receiver.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);

        using var body = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        var alert = body.RootElement;
        Assert.Equal(TaskId, alert.GetProperty("instance").GetString());
        Assert.StartsWith($"orders on {TaskId} is NotReady: Unhealthy (was Starting)", alert.GetProperty("text").GetString(), StringComparison.Ordinal);
        var info = alert.GetProperty("instanceInfo");
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["id"] = TaskId,
                ["source"] = "ecs",
                ["availabilityZone"] = "eu-west-1b",
                ["region"] = "eu-west-1",
                ["cluster"] = ClusterArn,
                ["taskArn"] = TaskArn,
                ["platform"] = "ecs",
            },
            info.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()));
    }

    [Fact]
    public async Task The_OTLP_export_carries_the_identity_as_resource_attributes()
    {
        await using var ecs = await EcsAsync();
        await using var collector = StubHttpServer.Start();
        await using var factory = Factory(ecs)
            .With("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{collector.Port}")
            .With("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .With("OTEL_METRIC_EXPORT_INTERVAL", "500");
        await factory.WaitForStatusAsync(200, "OK");

        await collector.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);

        // The protobuf carries attribute keys and string values as plain UTF-8.
        var export = collector.Requests[0].Body;
        foreach (var expected in new[]
        {
            "service.instance.id", TaskId, "cloud.provider", "aws", "cloud.platform", "aws_ecs", "cloud.availability_zone",
            "eu-west-1b", "cloud.region", "aws.ecs.task.arn", TaskArn, "aws.ecs.cluster.arn", ClusterArn,
        })
        {
            Assert.Contains(expected, export, StringComparison.Ordinal);
        }
    }
}
