using System.Globalization;
using System.Text.RegularExpressions;
using static HealthService.Tests.Deployment.TemplateServiceSettings;

namespace HealthService.Tests.Deployment;

/// <summary>
/// ecs-sidecar-alb.yaml: the user's application and HealthService in one task. Traffic goes to the application, the
/// health check to HealthService, which probes the application on loopback; HealthService starts after the application
/// and stops before it, so the application serves through the drain. docs/sidecar.md explains the choices.
/// </summary>
public sealed class CloudFormationSidecarTests
{
    private const string Sidecar = "ecs-sidecar-alb.yaml";
    private const string App = "app";

    [Theory]
    [InlineData(null)]
    [InlineData("3000")]
    public void The_health_check_goes_to_HealthService_on_8080_and_the_traffic_to_the_application_port(string? appPort)
    {
        var template = appPort is null ? CloudFormationTemplate.Load(Sidecar) : CloudFormationTemplate.Load(Sidecar, ("AppPort", appPort));
        var port = appPort ?? template.Text(template.Root["Parameters"]!["AppPort"]!["Default"]);
        var targetGroup = template.Resource("TargetGroup");
        var registration = Assert.Single(template.Items(template.Single("AWS::ECS::Service")["LoadBalancers"]));

        Assert.Equal("8080", template.Text(targetGroup["HealthCheckPort"]));
        Assert.Equal(Of(template)["ASPNETCORE_HTTP_PORTS"], template.Text(targetGroup["HealthCheckPort"]));
        Assert.Equal("/health", template.Text(targetGroup["HealthCheckPath"]));
        Assert.Equal(port, template.Text(targetGroup["Port"]));
        Assert.Equal(App, template.Text(registration["ContainerName"]));
        Assert.Equal(port, template.Text(registration["ContainerPort"]));
        Assert.Equal("<TargetGroup>", template.Text(registration["TargetGroupArn"]));
        Assert.Equal([port], PortMappings(template, App));
        Assert.Equal(["8080"], PortMappings(template, HealthServiceContainer));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("3000", "/ping")]
    public void HealthService_probes_the_application_on_loopback_at_its_port_as_a_critical_dependency(string? appPort, string? path)
    {
        (string, string)[] parameters = appPort is null ? [] : [("AppPort", appPort), ("AppHealthPath", path!)];
        var template = CloudFormationTemplate.Load(Sidecar, parameters);
        var expectedPort = appPort ?? template.Text(template.Root["Parameters"]!["AppPort"]!["Default"]);
        var expectedPath = path ?? template.Text(template.Root["Parameters"]!["AppHealthPath"]!["Default"]);
        var probe = Options(template).Http[App];

        Assert.Equal($"http://127.0.0.1:{expectedPort}{expectedPath}", Of(template)["Health__Http__app__Url"]);
        Assert.Equal($"http://127.0.0.1:{expectedPort}{expectedPath}", probe.Url);
        Assert.True(probe.Critical, "the application must gate /health: it is what the load balancer sends traffic to");
    }

    [Fact]
    public void HealthService_starts_after_the_application_and_is_stopped_before_it_and_both_are_essential()
    {
        var template = CloudFormationTemplate.Load(Sidecar);
        var app = Container(template, App);
        var healthService = Container(template);
        var dependency = Assert.Single(template.Items(healthService["DependsOn"]));

        // ECS reverses a dependency on shutdown: the application is stopped after HealthService.
        Assert.Equal(App, template.Text(dependency["ContainerName"]));
        Assert.Contains(template.Text(dependency["Condition"]), new[] { "START", "HEALTHY" });
        Assert.Null(app["DependsOn"]); // no cycle, and nothing delays the application
        // If either exits, the task is of no use: the application serves nothing, or nothing vouches for it.
        Assert.Equal("true", template.Text(app["Essential"]));
        Assert.Equal("true", template.Text(healthService["Essential"]));
        Assert.Equal(2, template.Items(template.Single("AWS::ECS::TaskDefinition")["ContainerDefinitions"]).Count());
    }

    [Fact]
    public void The_application_serves_while_HealthService_drains_and_then_gets_its_own_stop_timeout()
    {
        var template = CloudFormationTemplate.Load(Sidecar);
        var options = Options(template);
        var targetGroup = template.Resource("TargetGroup");
        var healthServiceStop = TimeSpan.FromSeconds(template.Number(Container(template)["StopTimeout"]));
        var appStop = Container(template, App)["StopTimeout"]!;
        var appStopParameter = template.Root["Parameters"]![(string)appStop["Ref"]!]!;
        var outOfRotation = template.Number(targetGroup["UnhealthyThresholdCount"]) * TimeSpan.FromSeconds(template.Number(targetGroup["HealthCheckIntervalSeconds"]));

        // The application is signalled only once HealthService has stopped: at the earliest after the drain.
        Assert.True(outOfRotation <= options.DrainDelay, $"out of rotation after {outOfRotation}, drain {options.DrainDelay}");
        Assert.True(options.DrainDelay + options.ShutdownTimeout <= healthServiceStop, $"HealthService's StopTimeout {healthServiceStop}");
        // Then the application's own stop timeout, within what Fargate allows.
        Assert.InRange(template.Number(appStopParameter["MinValue"]), 2, 120);
        Assert.InRange(template.Number(appStopParameter["MaxValue"]), 2, 120);
        Assert.InRange(template.Number(appStop), 2, 120);
        Assert.True(healthServiceStop <= TimeSpan.FromSeconds(120), "Fargate allows a StopTimeout of at most 120 s");
    }

    [Fact]
    public void A_failing_application_leaves_rotation_within_the_time_docs_sidecar_md_works_out()
    {
        var template = CloudFormationTemplate.Load(Sidecar);
        var options = Options(template);
        var probe = options.Http[App];
        var targetGroup = template.Resource("TargetGroup");
        var interval = TimeSpan.FromSeconds(template.Number(targetGroup["HealthCheckIntervalSeconds"]));
        var unhealthy = template.Number(targetGroup["UnhealthyThresholdCount"]);

        // FailuresBeforeUnhealthy x Interval + Timeout (a hung application fails at the deadline) + the load balancer's
        // HealthCheckIntervalSeconds x UnhealthyThresholdCount.
        var outOfRotation = (probe.FailuresBeforeUnhealthy * options.Interval) + (probe.Timeout ?? options.Timeout) + (unhealthy * interval);
        var doc = File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "docs", "sidecar.md"));
        var worked = $"{probe.FailuresBeforeUnhealthy} × {options.Interval.TotalSeconds:0} + {(probe.Timeout ?? options.Timeout).TotalSeconds:0} + {interval.TotalSeconds:0} × {unhealthy} = {outOfRotation.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s";

        Assert.True(outOfRotation <= TimeSpan.FromSeconds(30), $"a failing application stays in rotation for {outOfRotation}");
        Assert.Contains(worked, doc, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_load_balancer_reaches_the_task_on_the_application_port_and_on_8080()
    {
        var template = CloudFormationTemplate.Load(Sidecar, ("AppPort", "3000"));
        var ingress = template.Items(template.Resource("TaskSecurityGroup")["SecurityGroupIngress"]).ToList();

        Assert.Equal(["3000", "8080"], ingress.Select(rule => template.Text(rule["FromPort"])));
        Assert.Equal(["3000", "8080"], ingress.Select(rule => template.Text(rule["ToPort"])));
        Assert.All(ingress, rule => Assert.Equal("LoadBalancerSecurityGroup", (string?)rule["SourceSecurityGroupId"]!["Fn::GetAtt"]![0]));
        Assert.All(ingress, rule => Assert.Null(rule["CidrIp"]));
    }

    [Theory]
    [InlineData("3000", true)]
    [InlineData("80", true)]
    [InlineData("8080", false)]
    [InlineData("8079", false)]
    public void The_application_port_cannot_be_one_of_HealthService_s_ports_in_the_shared_network_namespace(string appPort, bool accepted)
    {
        var template = CloudFormationTemplate.Load(Sidecar, ("AppPort", appPort));

        Assert.Equal(accepted, template.RulesHold());
    }

    [Fact]
    public void Without_a_dependency_URL_the_application_is_the_only_HTTP_probe()
    {
        var template = CloudFormationTemplate.Load(Sidecar);

        Assert.Equal([App], Options(template).Http.Keys);
        Assert.DoesNotContain(Of(template).Keys, key => key.StartsWith("Health__Postgres__", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dependency_URL_adds_a_probe_of_its_own_non_critical_unless_asked_and_a_database_secret_a_PostgreSQL_probe()
    {
        var template = CloudFormationTemplate.Load(Sidecar,
            ("DependencyUrl", CloudFormationDeployments.DependencyUrl), ("DependencyName", "payments"),
            ("DatabaseSecretArn", CloudFormationDeployments.DatabaseSecretArn));
        var critical = CloudFormationTemplate.Load(Sidecar, ("DependencyUrl", CloudFormationDeployments.DependencyUrl), ("DependencyCritical", "true"));
        var secret = Assert.Single(template.Items(Container(template)["Secrets"]));

        Assert.Equal(CloudFormationDeployments.DependencyUrl, Options(template).Http["payments"].Url);
        Assert.False(Options(template).Http["payments"].Critical);
        Assert.True(Options(template).Http[App].Critical);
        Assert.True(Options(critical).Http["api"].Critical);
        Assert.Equal("Health__Postgres__app__ConnectionString", template.Text(secret["Name"]));
        Assert.Equal(CloudFormationDeployments.DatabaseSecretArn, template.Text(secret["ValueFrom"]));
    }

    [Theory]
    [InlineData("payments", true)]
    [InlineData("api-2", true)]
    [InlineData("apps", true)]
    [InlineData("app", false)]
    [InlineData("APP", false)]
    [InlineData("", false)]
    public void The_dependency_cannot_take_the_application_probe_s_name(string name, bool accepted)
    {
        var pattern = (string)CloudFormationTemplate.Load(Sidecar).Root["Parameters"]!["DependencyName"]!["AllowedPattern"]!;

        // CloudFormation matches AllowedPattern against the whole value; configuration keys ignore case.
        Assert.Equal(accepted, Regex.IsMatch(name, $"^(?:{pattern})$"));
    }

    private static List<string> PortMappings(CloudFormationTemplate template, string container) =>
        [.. template.Items(Container(template, container)["PortMappings"]).Select(mapping => template.Text(mapping["ContainerPort"]))];
}
