using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HealthService.Configuration;
using Microsoft.Extensions.Configuration;
using static HealthService.Tests.Deployment.TemplateServiceSettings;

namespace HealthService.Tests.Deployment;

/// <summary>
/// The timings of deploy/aws agree with the service's own: the settings a template passes, on top of the shipped
/// appsettings.json and the defaults, as the service would bind them. deploy/aws/README.md explains each value.
/// </summary>
public sealed partial class CloudFormationTimingTests
{
    private const string Ec2 = "ec2-asg-alb.yaml";
    private const string Ecs = "ecs-fargate-alb.yaml";

    /// <summary>
    /// Time from the container's start to the first answer on /health/live: 0.25 s measured for the Release build on
    /// 2 cores; 10 s leaves room for 0.25 vCPU and a cold file cache.
    /// </summary>
    private static readonly TimeSpan ContainerStartUp = TimeSpan.FromSeconds(10);

    /// <summary>An EC2 instance's boot, package install, image pull and container start.</summary>
    private static readonly TimeSpan InstanceStartUp = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Starting the self-probe's process, the image's native executable: a few milliseconds of CPU. 1 s covers the
    /// container runtime's exec and a throttled 0.25 vCPU share, with room to spare.
    /// </summary>
    private static readonly TimeSpan ProbeProcessStartUp = TimeSpan.FromSeconds(1);

    public static TheoryData<string> Templates => CloudFormationTemplateTests.Templates;

    public static TheoryData<string> EcsTemplates => CloudFormationTemplateTests.EcsTemplates;

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_load_balancer_checks_readiness_on_health_and_wants_200(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var targetGroup = template.Resource("TargetGroup");
        var listener = template.Root["Resources"]!["Listener"]!["Properties"]!;
        var port = TemplateServiceSettings.Of(template)["ASPNETCORE_HTTP_PORTS"];
        // The traffic's port, unless HealthCheckPort sends the check elsewhere (the sidecar: to HealthService).
        var checkedPort = targetGroup["HealthCheckPort"] is { } healthCheckPort && template.Text(healthCheckPort) != "traffic-port"
            ? template.Text(healthCheckPort)
            : template.Text(targetGroup["Port"]);

        Assert.Equal("/health", template.Text(targetGroup["HealthCheckPath"]));
        Assert.Equal("200", template.Text(targetGroup["Matcher"]!["HttpCode"]));
        Assert.Equal("HTTP", template.Text(targetGroup["HealthCheckProtocol"]));
        Assert.Equal(port, checkedPort);
        Assert.Equal("forward", template.Text(listener["DefaultActions"]![0]!["Type"]));
        Assert.Equal("<TargetGroup>", template.Text(listener["DefaultActions"]![0]!["TargetGroupArn"]));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_health_check_timeout_is_above_the_probe_deadline_and_below_the_interval(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var options = Options(template);
        var targetGroup = template.Resource("TargetGroup");
        var interval = Seconds(template, targetGroup["HealthCheckIntervalSeconds"]);
        var timeout = Seconds(template, targetGroup["HealthCheckTimeoutSeconds"]);

        // /health answers from the snapshot at once; a timeout above the probe deadline would hold even if it waited.
        Assert.True(timeout > options.Timeout, $"{fileName}: health check timeout {timeout} <= probe deadline {options.Timeout}");
        Assert.True(timeout < interval, $"{fileName}: ELB requires the timeout ({timeout}) below the interval ({interval})");
        Assert.InRange(interval.TotalSeconds, 5, 300);
        Assert.InRange(timeout.TotalSeconds, 2, 120);
        Assert.InRange(template.Number(targetGroup["HealthyThresholdCount"]), 2, 10);
        Assert.InRange(template.Number(targetGroup["UnhealthyThresholdCount"]), 2, 10);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void A_draining_instance_leaves_rotation_before_the_drain_delay_ends(string fileName)
    {
        // A SIGTERM that comes before any deregistration (a restart, a reboot): /health answers 503 Draining at once,
        // and the load balancer must have seen enough failures before the listener closes.
        var template = CloudFormationTemplate.Load(fileName);
        var targetGroup = template.Resource("TargetGroup");
        var outOfRotation = template.Number(targetGroup["UnhealthyThresholdCount"]) * Seconds(template, targetGroup["HealthCheckIntervalSeconds"]);
        var options = Options(template);

        Assert.True(outOfRotation <= options.DrainDelay, $"{fileName}: unhealthy threshold x interval = {outOfRotation} > Health:DrainDelay {options.DrainDelay}");
        // A single failed round (one snapshot, Health:Interval long) is not enough to take an instance out.
        Assert.True(outOfRotation > options.Interval, $"{fileName}: unhealthy threshold x interval = {outOfRotation} <= Health:Interval {options.Interval}");
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_deregistration_delay_is_at_least_the_drain_delay(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var targetGroup = template.Resource("TargetGroup");
        var delay = template.Attribute(targetGroup["TargetGroupAttributes"], "deregistration_delay.timeout_seconds");

        Assert.NotNull(delay); // the 300 s default would hold every scale-in and deployment for five minutes
        var deregistration = TimeSpan.FromSeconds(int.Parse(delay, CultureInfo.InvariantCulture));
        Assert.True(deregistration >= Options(template).DrainDelay, $"{fileName}: deregistration delay {deregistration} < Health:DrainDelay");
        Assert.True(deregistration <= TimeSpan.FromSeconds(3600));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_load_balancer_closes_idle_connections_before_Kestrel_does(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var loadBalancer = template.Single("AWS::ElasticLoadBalancingV2::LoadBalancer");
        var idle = TimeSpan.FromSeconds(int.Parse(template.Attribute(loadBalancer["LoadBalancerAttributes"], "idle_timeout.timeout_seconds") ?? "60", CultureInfo.InvariantCulture));
        var keepAlive = TemplateServiceSettings.Configuration(template).GetValue<TimeSpan>("Kestrel:Limits:KeepAliveTimeout");

        Assert.True(idle < keepAlive, $"{fileName}: ALB idle timeout {idle} >= Kestrel keep-alive {keepAlive}");
    }

    public static TheoryData<string, string> Deployments => CloudFormationDeployments.All;

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Every_setting_passed_to_the_service_is_a_documented_key_with_a_valid_value(string fileName, string deployment)
    {
        var template = CloudFormationDeployments.Load(fileName, deployment);
        var settings = TemplateServiceSettings.Of(template);

        Assert.All(settings.Keys, key => Assert.Matches(@"^(Health__[A-Za-z0-9_-]+|ASPNETCORE_HTTP_PORTS)$", key));
        Assert.Contains("Health__DrainDelay", settings.Keys);
        Assert.Contains("Health__ShutdownTimeout", settings.Keys);
        var error = ConfigurationGuard.FindError(TemplateServiceSettings.Configuration(template));
        Assert.True(error is null, $"{fileName} ({deployment}): the service would refuse its settings: {error}");
        Assert.Equal(TimeSpan.FromSeconds(15), Options(template).DrainDelay); // the template's, not the default
    }

    [Fact]
    public void A_misspelt_or_invalid_setting_in_a_template_would_fail_the_check()
    {
        var template = CloudFormationTemplate.Load(Ecs);

        Assert.Contains("Health:Intreval is not a known setting", ConfigurationGuard.FindError(TemplateServiceSettings.Configuration(template, ("Health__Intreval", "00:00:05"))), StringComparison.Ordinal);
        Assert.Contains("Health:Timeout must be greater than zero", ConfigurationGuard.FindError(TemplateServiceSettings.Configuration(template, ("Health__Timeout", "00:00:09"))), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EcsTemplates))]
    public void The_ECS_stop_timeout_covers_the_drain_and_the_shutdown(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var options = Options(template);
        var stopTimeout = Seconds(template, Container(template)["StopTimeout"]);

        Assert.True(options.DrainDelay < stopTimeout, $"Health:DrainDelay {options.DrainDelay} >= StopTimeout {stopTimeout}");
        Assert.True(options.DrainDelay + options.ShutdownTimeout <= stopTimeout, $"Health:DrainDelay + Health:ShutdownTimeout > StopTimeout {stopTimeout}");
        Assert.True(stopTimeout <= TimeSpan.FromSeconds(120), "Fargate allows a StopTimeout of at most 120 s");
    }

    [Theory]
    [MemberData(nameof(EcsTemplates))]
    public void The_ECS_container_health_check_asks_liveness_through_the_self_probe(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var healthCheck = Container(template)["HealthCheck"]!;
        var command = healthCheck["Command"]!.AsArray().Select(template.Text).ToList();

        // --path, not a URL: the probe finds the port as the service does (ASPNETCORE_HTTP_PORTS in the task).
        Assert.Equal(new[] { "CMD", "/app/HealthService", "probe", "--path", "/health/live" }, command.Take(5));
        var probeTimeout = command.IndexOf("--timeout") is var at and >= 0 ? ParseDuration(command[at + 1]) : TimeSpan.FromSeconds(2);
        var interval = Seconds(template, healthCheck["Interval"]);
        var timeout = Seconds(template, healthCheck["Timeout"]);
        var startPeriod = Seconds(template, healthCheck["StartPeriod"]);

        Assert.True(timeout >= probeTimeout + ProbeProcessStartUp, $"container health check timeout {timeout} < the probe's {probeTimeout} + its start-up");
        Assert.True(interval > timeout, $"container health check interval {interval} <= timeout {timeout}");
        Assert.True(startPeriod >= ContainerStartUp, $"startPeriod {startPeriod} < start-up allowance {ContainerStartUp}");
        Assert.InRange(interval.TotalSeconds, 5, 300);
        Assert.InRange(timeout.TotalSeconds, 2, 60);
        Assert.InRange(template.Number(healthCheck["Retries"]), 1, 10);
        Assert.InRange(startPeriod.TotalSeconds, 0, 300);
    }

    [Fact]
    public void The_ECS_container_health_checks_run_the_probe_the_image_holds_as_its_own_HEALTHCHECK_does()
    {
        // The templates name the executable inside the image; the Dockerfile decides where it is. One check for all
        // of them, so that a change of the image shows as one failure.
        var dockerfile = File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "Dockerfile"));
        var entrypoint = ExecForm(DockerInstruction().Matches(dockerfile).Last(m => m.Groups[1].Value == "ENTRYPOINT").Groups[2].Value);
        var healthcheck = ExecForm(DockerInstruction().Matches(dockerfile).Last(m => m.Groups[1].Value == "CMD" && m.Value.Contains("probe", StringComparison.Ordinal)).Groups[2].Value);

        Assert.Equal(["/app/HealthService"], entrypoint);
        Assert.Equal(["/app/HealthService", "probe", "--path", "/health/live"], healthcheck);
        foreach (var fileName in EcsTemplates.Select(row => row.Data))
        {
            var template = CloudFormationTemplate.Load(fileName);
            var command = Container(template)["HealthCheck"]!["Command"]!.AsArray().Select(template.Text).ToList();
            Assert.Equal(healthcheck, command.Skip(1).Take(healthcheck.Count));
        }
    }

    [Theory]
    [MemberData(nameof(EcsTemplates))]
    public void The_ECS_grace_period_covers_start_up_and_becoming_healthy_in_the_target_group(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var service = template.Single("AWS::ECS::Service");
        var targetGroup = template.Resource("TargetGroup");
        var becomesHealthy = ContainerStartUp + Options(template).Timeout
            + (template.Number(targetGroup["HealthyThresholdCount"]) * Seconds(template, targetGroup["HealthCheckIntervalSeconds"]));
        var gracePeriod = service["HealthCheckGracePeriodSeconds"];

        Assert.True(Seconds(template, gracePeriod) >= becomesHealthy, $"{fileName}: grace period < {becomesHealthy}");
        // A grace period the operator chooses (the sidecar's, for the application's start-up) cannot go below it either.
        if (gracePeriod is JsonObject reference && (string?)reference["Ref"] is { } parameter)
        {
            Assert.True(TimeSpan.FromSeconds(template.Number(template.Root["Parameters"]![parameter]!["MinValue"])) >= becomesHealthy, $"{fileName}: {parameter}'s MinValue < {becomesHealthy}");
        }
    }

    [Fact]
    public void The_ECS_service_sends_the_traffic_to_HealthService_on_its_own_port()
    {
        var template = CloudFormationTemplate.Load(Ecs);
        var service = template.Single("AWS::ECS::Service");

        Assert.Equal(template.Text(Container(template)["Name"]), template.Text(service["LoadBalancers"]![0]!["ContainerName"]));
        Assert.Equal(TemplateServiceSettings.Of(template)["ASPNETCORE_HTTP_PORTS"], template.Text(service["LoadBalancers"]![0]!["ContainerPort"]));
        Assert.Equal(TemplateServiceSettings.Of(template)["ASPNETCORE_HTTP_PORTS"], template.Text(Container(template)["PortMappings"]![0]!["ContainerPort"]));
    }

    [Fact]
    public void Auto_Scaling_judges_instances_on_liveness_and_never_on_the_readiness_check()
    {
        var template = CloudFormationTemplate.Load(Ec2);
        var group = template.Single("AWS::AutoScaling::AutoScalingGroup");
        var watchdog = Heredoc(UserData(template), "/usr/local/bin/healthservice-liveness");

        // ELB would replace every instance whose /health fails: a database outage would replace the whole fleet.
        Assert.Equal("EC2", template.Text(group["HealthCheckType"]));
        Assert.Equal(new[] { "<TargetGroup>" }, group["TargetGroupARNs"]!.AsArray().Select(template.Text));
        Assert.Contains("http://127.0.0.1:8080/health/live", watchdog, StringComparison.Ordinal);
        Assert.DoesNotMatch(ReadinessPath(), watchdog);
        Assert.Contains("set-instance-health", watchdog, StringComparison.Ordinal);
        Assert.Contains("--should-respect-grace-period", watchdog, StringComparison.Ordinal);
        Assert.True(Seconds(template, group["HealthCheckGracePeriod"]) >= InstanceStartUp, $"HealthCheckGracePeriod < {InstanceStartUp}");
    }

    [Fact]
    public void The_EC2_stop_timeouts_cover_the_drain_and_the_shutdown()
    {
        var template = CloudFormationTemplate.Load(Ec2);
        var options = Options(template);
        var unit = Heredoc(UserData(template), "/etc/systemd/system/healthservice.service");
        var dockerStop = StopTimeouts().Matches(unit).Select(m => TimeSpan.FromSeconds(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))).ToList();
        var systemdStop = TimeSpan.FromSeconds(int.Parse(SystemdStopTimeout().Match(unit).Groups[1].Value, CultureInfo.InvariantCulture));

        Assert.Equal(2, dockerStop.Count); // docker run --stop-timeout and docker stop --time
        Assert.All(dockerStop, stop => Assert.True(options.DrainDelay + options.ShutdownTimeout <= stop, $"docker stop timeout {stop} < drain + shutdown"));
        Assert.True(systemdStop > dockerStop.Max(), $"systemd TimeoutStopSec {systemdStop} must outlast docker's {dockerStop.Max()}");
        Assert.Contains("--publish 8080:8080", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void Logs_go_to_CloudWatch_in_non_blocking_mode_with_a_bounded_buffer()
    {
        // In the default blocking mode a stalled log stream blocks the service's writes to stdout.
        foreach (var ecs in CloudFormationTemplateTests.EcsTemplates.Select(row => CloudFormationTemplate.Load(row.Data)))
        {
            foreach (var container in ecs.Items(ecs.Single("AWS::ECS::TaskDefinition")["ContainerDefinitions"]))
            {
                var logging = container["LogConfiguration"]!;
                Assert.Equal("awslogs", ecs.Text(logging["LogDriver"]));
                Assert.Equal("non-blocking", ecs.Text(logging["Options"]!["mode"]));
                Assert.Equal("25m", ecs.Text(logging["Options"]!["max-buffer-size"]));
            }
        }

        var unit = Heredoc(UserData(CloudFormationTemplate.Load(Ec2)), "/etc/systemd/system/healthservice.service");
        var run = Assert.Single(unit.Split('\n'), line => line.StartsWith("ExecStart=/usr/bin/docker run ", StringComparison.Ordinal));
        Assert.Contains(" --log-driver awslogs ", run, StringComparison.Ordinal);
        Assert.Contains(" --log-opt mode=non-blocking ", run, StringComparison.Ordinal);
        Assert.Contains(" --log-opt max-buffer-size=25m ", run, StringComparison.Ordinal);
    }

    private static TimeSpan Seconds(CloudFormationTemplate template, JsonNode? value) => TimeSpan.FromSeconds(template.Number(value));

    private static TimeSpan ParseDuration(string text) => text.EndsWith("ms", StringComparison.Ordinal)
        ? TimeSpan.FromMilliseconds(int.Parse(text[..^2], CultureInfo.InvariantCulture))
        : TimeSpan.FromSeconds(int.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture));

    private static List<string> ExecForm(string json) => JsonNode.Parse(json)!.AsArray().Select(item => (string)item!).ToList();

    /// <summary>A Dockerfile instruction in exec form (<c>ENTRYPOINT [...]</c>, <c>CMD [...]</c>), after a line continuation too.</summary>
    [GeneratedRegex(@"\b(ENTRYPOINT|CMD) (\[[^\]\n]*\])")]
    private static partial Regex DockerInstruction();

    [GeneratedRegex(@"/health(?!/live)")]
    private static partial Regex ReadinessPath();

    [GeneratedRegex(@"(?:--stop-timeout|docker stop --time) (\d+)")]
    private static partial Regex StopTimeouts();

    [GeneratedRegex(@"(?m)^TimeoutStopSec=(\d+)$")]
    private static partial Regex SystemdStopTimeout();
}
