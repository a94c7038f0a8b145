namespace HealthService.Tests.Deployment;

/// <summary>The templates of deploy/aws are valid against the CloudFormation resource specification.</summary>
public sealed class CloudFormationTemplateTests
{
    public static TheoryData<string> Templates => ["ec2-asg-alb.yaml", "ecs-fargate-alb.yaml", "ecs-sidecar-alb.yaml"];

    /// <summary>The templates that run HealthService in an ECS task: alone, or beside an application.</summary>
    public static TheoryData<string> EcsTemplates => ["ecs-fargate-alb.yaml", "ecs-sidecar-alb.yaml"];

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_template_is_valid_against_the_CloudFormation_resource_specification(string fileName)
    {
        var spec = CloudFormationSpec.Installed;

        var errors = new CloudFormationSpecChecker(spec).Check(CloudFormationTemplate.Load(fileName).Root);

        Assert.True(errors.Count == 0,
            $"{fileName} against specification {spec.Version}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    [Fact]
    public void Every_template_in_deploy_aws_is_checked()
    {
        var onDisk = Directory.GetFiles(CloudFormationTemplate.Folder, "*.y*ml").Select(Path.GetFileName).Order();

        Assert.Equal(Templates.Select(row => row.Data).Order(), onDisk);
    }

    [Fact]
    public void A_missing_specification_fails_with_the_command_that_installs_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CloudFormationSpec.Load("/no/such/specification.json"));

        Assert.Contains("npm ci --prefix deploy/aws/spec --no-audit --no-fund", error.Message, StringComparison.Ordinal);
    }
}
