using System.Text.Json.Nodes;

namespace HealthService.Tests.Deployment;

/// <summary>
/// The gRPC variant of the ECS template (GrpcHealthCheck enabled): a gRPC target group that checks the gRPC health
/// checking protocol on the service's own h2c port, reached through the HTTPS listener. Off by default.
/// </summary>
public sealed class CloudFormationGrpcTests
{
    private const string Ecs = "ecs-fargate-alb.yaml";
    private const string GrpcPort = "8081";

    [Fact]
    public void By_default_there_is_no_gRPC_target_group_and_the_gRPC_port_stays_closed()
    {
        var template = CloudFormationTemplate.Load(Ecs);

        Assert.Equal("disabled", template.Text(template.Root["Parameters"]!["GrpcHealthCheck"]!["Default"]));
        Assert.Equal(["TargetGroup"], template.Resources("AWS::ElasticLoadBalancingV2::TargetGroup").Select(r => r.Name));
        Assert.Empty(template.Resources("AWS::ElasticLoadBalancingV2::ListenerRule"));
        Assert.Equal(["8080"], IngressPorts(template));
        Assert.Equal(["8080"], template.Items(TemplateServiceSettings.Container(template)["PortMappings"]).Select(m => template.Text(m["ContainerPort"])));
        Assert.DoesNotContain(TemplateServiceSettings.Of(template).Keys, key => key.StartsWith("Health__Grpc__", StringComparison.Ordinal));
    }

    [Fact]
    public void The_gRPC_target_group_checks_the_gRPC_health_protocol_on_the_services_gRPC_port()
    {
        var template = WithGrpc();
        var settings = TemplateServiceSettings.Of(template);
        var targetGroup = template.Resource("GrpcTargetGroup");

        Assert.Equal("true", settings["Health__Grpc__Enabled"]);
        Assert.Equal(GrpcPort, settings["Health__Grpc__Port"]);
        Assert.Equal("GRPC", template.Text(targetGroup["ProtocolVersion"]));
        Assert.Equal("HTTP", template.Text(targetGroup["Protocol"])); // HTTP/2 without TLS: the service's h2c port
        Assert.Equal(GrpcPort, template.Text(targetGroup["Port"]));
        // By status code alone, as the load balancer judges: OK exactly when /health answers 200 (docs/grpc.md).
        Assert.Equal("/healthservice.v1.Readiness/Check", template.Text(targetGroup["HealthCheckPath"]));
        Assert.Equal("0", template.Text(targetGroup["Matcher"]!["GrpcCode"])); // OK
        Assert.Null(targetGroup["Matcher"]!["HttpCode"]);
        Assert.Equal("ip", template.Text(targetGroup["TargetType"]));
    }

    [Fact]
    public void The_gRPC_port_is_open_to_the_load_balancer_only_and_each_task_is_registered_on_it()
    {
        var template = WithGrpc();
        var ingress = template.Items(template.Resource("TaskSecurityGroup")["SecurityGroupIngress"]).ToList();
        var service = template.Single("AWS::ECS::Service");
        var registrations = template.Items(service["LoadBalancers"])
            .ToDictionary(lb => template.Text(lb["TargetGroupArn"]), lb => template.Text(lb["ContainerPort"]));

        Assert.Equal(["8080", GrpcPort], IngressPorts(template));
        Assert.All(ingress, rule => Assert.Equal("LoadBalancerSecurityGroup", (string?)rule["SourceSecurityGroupId"]!["Fn::GetAtt"]![0]));
        Assert.All(ingress, rule => Assert.Null(rule["CidrIp"]));
        Assert.Contains(GrpcPort, template.Items(TemplateServiceSettings.Container(template)["PortMappings"]).Select(m => template.Text(m["ContainerPort"])));
        Assert.Equal(GrpcPort, registrations["<GrpcTargetGroup>"]);
        Assert.Equal("8080", registrations["<TargetGroup>"]); // readiness stays with /health
    }

    [Fact]
    public void gRPC_health_calls_reach_the_gRPC_target_group_through_the_HTTPS_listener()
    {
        var template = WithGrpc();
        var rule = template.Resource("GrpcListenerRule");
        var condition = Assert.Single(template.Items(rule["Conditions"]));
        var action = Assert.Single(template.Items(rule["Actions"]));
        var listener = template.Resource(template.Text(rule["ListenerArn"]).Trim('<', '>'));

        Assert.Equal("path-pattern", template.Text(condition["Field"]));
        Assert.Equal(["/grpc.health.v1.Health/*", "/healthservice.v1.Readiness/*"], template.Items(condition["PathPatternConfig"]!["Values"]).Select(template.Text));
        Assert.Equal("forward", template.Text(action["Type"]));
        Assert.Equal("<GrpcTargetGroup>", template.Text(action["TargetGroupArn"]));
        // The load balancer routes gRPC through HTTPS listeners only.
        Assert.Equal("HTTPS", template.Text(listener["Protocol"]));
        Assert.Equal("443", template.Text(listener["Port"]));
    }

    [Fact]
    public void The_template_refuses_the_gRPC_variant_without_a_certificate()
    {
        var without = CloudFormationTemplate.Load(Ecs, ("GrpcHealthCheck", "enabled"));
        var with = WithGrpc();
        var disabled = CloudFormationTemplate.Load(Ecs);

        Assert.False(without.RulesHold()); // CloudFormation refuses the parameters before creating anything
        Assert.True(with.RulesHold());
        Assert.True(disabled.RulesHold());
    }

    [Fact]
    public void The_gRPC_target_group_has_the_timings_of_the_readiness_target_group()
    {
        var template = WithGrpc();
        var grpc = template.Resource("GrpcTargetGroup");
        var readiness = template.Resource("TargetGroup");

        Assert.All(
            new[] { "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "UnhealthyThresholdCount", "HealthyThresholdCount" },
            setting => Assert.Equal(template.Number(readiness[setting]), template.Number(grpc[setting])));
        Assert.Equal(
            template.Attribute(readiness["TargetGroupAttributes"], "deregistration_delay.timeout_seconds"),
            template.Attribute(grpc["TargetGroupAttributes"], "deregistration_delay.timeout_seconds"));
    }

    [Fact]
    public void The_service_is_created_after_the_rule_that_ties_the_gRPC_target_group_to_the_load_balancer()
    {
        // ECS refuses a target group that belongs to no load balancer; DependsOn cannot name a conditional resource.
        var template = WithGrpc();
        var dependsOn = template.Root["Resources"]!["Service"]!["DependsOn"]!.AsArray().Select(d => (string?)d).ToList();
        var handles = dependsOn.Where(name => template.Root["Resources"]![name!]!["Metadata"] is not null);

        Assert.Contains("Listener", dependsOn);
        Assert.Contains(handles, handle => template.Root["Resources"]![handle!]!["Metadata"]!.AsObject()
            .Any(entry => template.Text(entry.Value) == "<GrpcListenerRule>"));
    }

    private static CloudFormationTemplate WithGrpc() => CloudFormationTemplate.Load(Ecs,
        ("GrpcHealthCheck", "enabled"), ("CertificateArn", CloudFormationDeployments.CertificateArn));

    private static List<string> IngressPorts(CloudFormationTemplate template) =>
        [.. template.Items(template.Resource("TaskSecurityGroup")["SecurityGroupIngress"]).Select(rule => template.Text(rule["FromPort"]))];
}
