using System.Text.Json.Nodes;
using static HealthService.Tests.Deployment.TemplateServiceSettings;

namespace HealthService.Tests.Deployment;

/// <summary>
/// The runbook's first step (docs/operations.md: read the detailed view with <c>HealthService details</c>) works on every
/// shipped template: the keyless local view is on, and an operator can reach a shell beside the service (ECS Exec on
/// Fargate, Session Manager on EC2) with the permissions that needs.
/// </summary>
public sealed class CloudFormationOperatorAccessTests
{
    /// <summary>What the SSM agent inside a task needs for ECS Exec (AWS: "Using ECS Exec", IAM permissions).</summary>
    private static readonly string[] ExecActions =
    [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ];

    [Theory]
    [MemberData(nameof(CloudFormationDeployments.All), MemberType = typeof(CloudFormationDeployments))]
    public void The_keyless_local_details_view_is_on_so_the_details_command_works_inside(string fileName, string deployment)
    {
        var options = Options(CloudFormationDeployments.Load(fileName, deployment));

        Assert.True(options.Details.Enabled, $"{fileName}: Health__Details__Enabled must be true, else `HealthService details` exits 2");
        Assert.InRange(options.Details.LocalPort, 1, 65535);
        Assert.True(string.IsNullOrEmpty(options.Details.ApiKey), $"{fileName}: no key in the template: remote reads stay off");
    }

    [Theory]
    [MemberData(nameof(CloudFormationTemplateTests.EcsTemplates), MemberType = typeof(CloudFormationTemplateTests))]
    public void ECS_Exec_is_offered_by_default_with_the_task_role_it_needs(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var service = template.Single("AWS::ECS::Service");

        Assert.Equal("true", template.Text(template.Root["Parameters"]!["EnableExecuteCommand"]!["Default"]));
        Assert.Equal("true", template.Text(service["EnableExecuteCommand"]));
        Assert.Equal(ExecActions, ExecPermissions(template));
    }

    [Theory]
    [MemberData(nameof(CloudFormationTemplateTests.EcsTemplates), MemberType = typeof(CloudFormationTemplateTests))]
    public void ECS_Exec_turned_off_leaves_no_exec_permission(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName, ("EnableExecuteCommand", "false"));

        Assert.Equal("false", template.Text(template.Single("AWS::ECS::Service")["EnableExecuteCommand"]));
        Assert.Empty(ExecPermissions(template));
    }

    [Fact]
    public void EC2_instances_accept_Session_Manager()
    {
        var template = CloudFormationTemplate.Load("ec2-asg-alb.yaml");
        var role = template.Single("AWS::IAM::Role");

        Assert.Contains(template.Items(role["ManagedPolicyArns"]).Select(template.Text),
            arn => arn.EndsWith(":iam::aws:policy/AmazonSSMManagedInstanceCore", StringComparison.Ordinal));
    }

    /// <summary>The ssmmessages actions the task role (TaskRoleArn) allows, sorted; none when there is no task role.</summary>
    private static string[] ExecPermissions(CloudFormationTemplate template)
    {
        var taskDefinition = template.Single("AWS::ECS::TaskDefinition");
        if (template.Deployed(taskDefinition["TaskRoleArn"]) is not { } roleArn)
        {
            return [];
        }

        var roleName = (string)roleArn["Fn::GetAtt"]![0]!;
        var role = template.Resource(roleName);
        Assert.Equal("ecs-tasks.amazonaws.com", template.Text(role["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"]));
        return [.. template.Items(role["Policies"])
            .SelectMany(policy => template.Items(policy["PolicyDocument"]!["Statement"]))
            .Where(statement => template.Text(statement["Effect"]) == "Allow" && template.Text(statement["Resource"]) == "*")
            .SelectMany(statement => Actions(template, statement["Action"]))
            .Where(action => action.StartsWith("ssmmessages:", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Actions(CloudFormationTemplate template, JsonNode? action) =>
        action is JsonArray ? template.Items(action).Select(template.Text) : [template.Text(action)];
}
