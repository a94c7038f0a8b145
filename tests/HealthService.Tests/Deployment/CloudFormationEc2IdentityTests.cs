using HealthService.Identity;
using static HealthService.Tests.Deployment.TemplateServiceSettings;

namespace HealthService.Tests.Deployment;

/// <summary>
/// ec2-asg-alb.yaml names each instance by its EC2 instance id, which the host reads from IMDSv2 before every start and
/// passes to the container, since the metadata hop limit of 1 keeps the container (and the instance role's credentials)
/// away from the metadata service. deploy/aws/README.md explains it.
/// </summary>
public sealed class CloudFormationEc2IdentityTests
{
    private const string Ec2 = "ec2-asg-alb.yaml";
    private const string IdentityFile = "/run/healthservice/identity.env";

    [Fact]
    public void The_metadata_hop_limit_stays_1_and_IMDSv2_is_required()
    {
        var template = CloudFormationTemplate.Load(Ec2);
        var metadata = template.Single("AWS::EC2::LaunchTemplate")["LaunchTemplateData"]!["MetadataOptions"]!;

        Assert.Equal("1", template.Text(metadata["HttpPutResponseHopLimit"]));
        Assert.Equal("required", template.Text(metadata["HttpTokens"]));
        Assert.DoesNotContain("--network host", DockerRun(template), StringComparison.Ordinal); // one hop away, on the bridge
    }

    [Fact]
    public void Before_every_start_the_host_reads_the_instance_id_from_IMDSv2_with_a_token_into_an_env_file()
    {
        var template = CloudFormationTemplate.Load(Ec2);
        var prepare = Heredoc(UserData(template), "/usr/local/bin/healthservice-prepare");
        var lines = prepare.Split('\n');
        var token = Assert.Single(lines, line => line.Contains("/latest/api/token", StringComparison.Ordinal));
        var instanceId = Assert.Single(lines, line => line.Contains("/latest/meta-data/instance-id", StringComparison.Ordinal));

        Assert.Contains("--request PUT", token, StringComparison.Ordinal);
        Assert.Contains("X-aws-ec2-metadata-token-ttl-seconds:", token, StringComparison.Ordinal);
        Assert.Contains("--fail", token, StringComparison.Ordinal);
        Assert.Contains("X-aws-ec2-metadata-token: $token", instanceId, StringComparison.Ordinal);
        Assert.Contains("--fail", instanceId, StringComparison.Ordinal);
        Assert.Contains($"echo \"Health__Alerts__Instance=$instance_id\" > {IdentityFile}", prepare, StringComparison.Ordinal);
        // A failed read stops the start instead of starting under a name that changes with every restart.
        Assert.StartsWith("#!/bin/bash\nset -euo pipefail\n", prepare, StringComparison.Ordinal);
        Assert.Contains("ExecStartPre=/usr/local/bin/healthservice-prepare", Unit(template), StringComparison.Ordinal);
    }

    [Fact]
    public void The_container_gets_the_instance_id_through_that_env_file_and_asks_no_metadata_service_itself()
    {
        var template = CloudFormationTemplate.Load(Ec2);
        var options = Options(template);

        Assert.Contains($" --env-file {IdentityFile} ", DockerRun(template), StringComparison.Ordinal);
        Assert.Equal(InstanceId, options.Alerts.Instance);
        // Discovery from the container could only time out; the configured id is the identity.
        Assert.Equal("Off", Of(template)["Health__Identity__Discovery"]);
        Assert.Equal(IdentityDiscovery.Off, options.Identity.Discovery);
    }

    private static string Unit(CloudFormationTemplate template) => Heredoc(UserData(template), "/etc/systemd/system/healthservice.service");

    private static string DockerRun(CloudFormationTemplate template) =>
        Assert.Single(Unit(template).Split('\n'), line => line.StartsWith("ExecStart=/usr/bin/docker run ", StringComparison.Ordinal));
}
