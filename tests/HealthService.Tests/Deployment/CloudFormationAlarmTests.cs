using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Deployment;

/// <summary>
/// The optional CloudWatch alarm of each template: created with its SNS topic and email subscription only when
/// AlarmEmail is given, watching the metric the service the template runs publishes, and timed so that a real outage
/// alarms while a deploy or scale-in does not. deploy/aws/README.md explains the choices.
/// </summary>
public sealed class CloudFormationAlarmTests
{
    private const string Ec2 = "ec2-asg-alb.yaml";
    private const string Ecs = "ecs-fargate-alb.yaml";
    private const string Sidecar = "ecs-sidecar-alb.yaml";

    private static readonly TimeSpan MetricPeriod = TimeSpan.FromSeconds(60);

    /// <summary>How long after an outage starts the alarm must have fired, at the latest (EMF ingestion aside).</summary>
    private static readonly TimeSpan AlarmDeadline = TimeSpan.FromMinutes(5);

    public static TheoryData<string> Templates => CloudFormationTemplateTests.Templates;

    [Theory]
    [MemberData(nameof(Templates))]
    public void Without_an_alarm_email_there_is_no_alarm_no_topic_and_no_metrics_on_stdout(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName);
        var settings = TemplateServiceSettings.Of(template);

        Assert.Equal("", template.Text(template.Root["Parameters"]!["AlarmEmail"]!["Default"]));
        Assert.Empty(template.Resources("AWS::CloudWatch::Alarm"));
        Assert.Empty(template.Resources("AWS::SNS::Topic"));
        Assert.Empty(template.Resources("AWS::SNS::Subscription"));
        Assert.DoesNotContain(settings.Keys, key => key.StartsWith("Health__Metrics__", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void An_alarm_email_subscribes_to_a_topic_that_the_alarm_notifies_when_it_fires_and_when_it_clears(string fileName)
    {
        var template = WithAlarm(fileName);
        var (topic, _) = Assert.Single(template.Resources("AWS::SNS::Topic"));
        var subscription = template.Single("AWS::SNS::Subscription");
        var alarm = template.Single("AWS::CloudWatch::Alarm");

        Assert.Equal("email", template.Text(subscription["Protocol"]));
        Assert.Equal(CloudFormationDeployments.AlarmEmail, template.Text(subscription["Endpoint"]));
        Assert.Equal($"<{topic}>", template.Text(subscription["TopicArn"]));
        Assert.Equal([$"<{topic}>"], template.Items(alarm["AlarmActions"]).Select(template.Text));
        Assert.Equal([$"<{topic}>"], template.Items(alarm["OKActions"]).Select(template.Text));
        // All three exist only with an address: no topic nobody reads, no alarm that tells nobody.
        Assert.All(AlarmResources(template), name => Assert.Equal("HasAlarm", (string?)template.Root["Resources"]![name]!["Condition"]));
    }

    [Theory]
    [InlineData("ops@example.com", true)]
    [InlineData("first.last+oncall@ops.example.co.uk", true)]
    [InlineData("", true)]
    [InlineData("ops", false)]
    [InlineData("ops@example", false)]
    [InlineData("ops@example.com, dev@example.com", false)]
    public void The_alarm_email_parameter_takes_one_address_or_nothing(string value, bool accepted)
    {
        foreach (var fileName in Templates.Select(row => row.Data))
        {
            var pattern = (string)CloudFormationTemplate.Load(fileName).Root["Parameters"]!["AlarmEmail"]!["AllowedPattern"]!;

            // CloudFormation matches AllowedPattern against the whole value.
            Assert.True(Regex.IsMatch(value, $"^(?:{pattern})$") == accepted, $"{fileName}: AlarmEmail '{value}' accepted: {!accepted}");
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void The_alarm_watches_the_Ready_metric_that_the_service_of_the_same_stack_publishes(string fileName)
    {
        var template = WithAlarm(fileName);
        var settings = TemplateServiceSettings.Of(template);
        var alarm = template.Single("AWS::CloudWatch::Alarm");
        var dimension = Assert.Single(template.Items(alarm["Dimensions"]));

        Assert.Equal("true", settings["Health__Metrics__CloudWatch__Enabled"]);
        Assert.Equal(settings["Health__Metrics__CloudWatch__Namespace"], template.Text(alarm["Namespace"]));
        Assert.Equal("Ready", template.Text(alarm["MetricName"]));
        Assert.Equal("ServiceName", template.Text(dimension["Name"]));
        Assert.Equal(settings["Health__Metrics__CloudWatch__ServiceName"], template.Text(dimension["Value"]));
        Assert.Equal("healthservice", template.Text(dimension["Value"])); // the stack's own name, not a shared default
        // A Unit that differs from the one in the service's documents would match no data at all.
        Assert.Null(alarm["Unit"]);
    }

    [Theory]
    [InlineData(Ecs, "Maximum")]
    [InlineData(Sidecar, "Maximum")]
    [InlineData(Ec2, "Minimum")]
    public void The_alarm_fires_on_no_ready_task_on_ECS_and_on_any_unready_instance_on_EC2(string fileName, string statistic)
    {
        var template = WithAlarm(fileName);
        var alarm = template.Single("AWS::CloudWatch::Alarm");

        Assert.Equal(statistic, template.Text(alarm["Statistic"]));
        Assert.Equal("LessThanThreshold", template.Text(alarm["ComparisonOperator"]));
        Assert.Equal("1", template.Text(alarm["Threshold"]));
        if (statistic == "Maximum")
        {
            // ECS replaces a task that fails /health by itself; a person is needed when no task is ready. A deploy must
            // therefore never leave no task ready, or every deploy would look like that.
            var deployment = template.Single("AWS::ECS::Service")["DeploymentConfiguration"]!;
            Assert.Equal(100, template.Number(deployment["MinimumHealthyPercent"]));
        }
        else
        {
            // Auto Scaling replaces instances on liveness only: an instance out of rotation stays so until someone acts.
            Assert.Equal("EC2", template.Text(template.Single("AWS::AutoScaling::AutoScalingGroup")["HealthCheckType"]));
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void A_deploy_or_scale_in_does_not_fire_the_alarm_and_an_outage_does_within_five_minutes(string fileName)
    {
        var template = WithAlarm(fileName);
        var alarm = template.Single("AWS::CloudWatch::Alarm");
        var period = TimeSpan.FromSeconds(template.Number(alarm["Period"]));
        var datapoints = template.Number(alarm["DatapointsToAlarm"]);
        var drainDelay = TemplateServiceSettings.Options(CloudFormationTemplate.Load(fileName)).DrainDelay;
        // A stopping instance answers 503 Draining for Health:DrainDelay; a spell that long touches this many periods.
        var periodsTouchedByADrain = (int)Math.Ceiling(drainDelay / period) + 1;

        Assert.Equal(MetricPeriod, period); // EMF metrics are standard resolution: one value a minute
        Assert.Equal(template.Number(alarm["EvaluationPeriods"]), datapoints); // consecutive periods, not M out of N
        Assert.True(datapoints > periodsTouchedByADrain, $"{fileName}: {datapoints} periods can all see one drain of {drainDelay}");
        Assert.True(datapoints * period <= AlarmDeadline, $"{fileName}: the alarm needs {datapoints * period} of an outage");
        // A minute without any Ready is no instance running or logging: nobody can say the service is up.
        Assert.Equal("breaching", template.Text(alarm["TreatMissingData"]));
    }

    [Theory]
    [InlineData(Ecs, "Service")]
    [InlineData(Sidecar, "Service")]
    [InlineData(Ec2, "AutoScalingGroup")]
    public void The_alarm_is_created_once_the_service_runs_so_that_its_start_is_not_missing_data(string fileName, string runs)
    {
        var template = WithAlarm(fileName);
        var (name, _) = Assert.Single(template.Resources("AWS::CloudWatch::Alarm"));
        var dependsOn = template.Root["Resources"]![name]!["DependsOn"];

        Assert.Contains(runs, dependsOn is JsonArray list ? list.Select(d => (string?)d) : [(string?)dependsOn]);
    }

    private static CloudFormationTemplate WithAlarm(string fileName) =>
        CloudFormationTemplate.Load(fileName, ("AlarmEmail", CloudFormationDeployments.AlarmEmail));

    private static IEnumerable<string> AlarmResources(CloudFormationTemplate template) =>
        new[] { "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::CloudWatch::Alarm" }
            .SelectMany(type => template.Resources(type).Select(r => r.Name));
}
