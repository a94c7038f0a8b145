using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HealthService.Tests.Documentation;

namespace HealthService.Tests.Deployment;

/// <summary>
/// One recommended alarm: docs/metrics.md gives it (CloudFormation and the AWS CLI), the ECS templates create exactly
/// it, and the other documents link to it rather than give one of their own.
/// </summary>
public sealed partial class RecommendedAlarmTests
{
    private const string Section = "an-alarm-on-ready";

    private static readonly string[] Settings =
        ["Namespace", "MetricName", "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator", "Threshold", "TreatMissingData"];

    private static string Root => ConfigurationTests.RepositoryRoot();

    [Theory]
    [MemberData(nameof(CloudFormationTemplateTests.EcsTemplates), MemberType = typeof(CloudFormationTemplateTests))]
    public void The_alarm_the_manual_recommends_is_the_one_the_ECS_templates_create(string fileName)
    {
        var template = CloudFormationTemplate.Load(fileName, ("AlarmEmail", CloudFormationDeployments.AlarmEmail));
        var created = template.Single("AWS::CloudWatch::Alarm");
        var recommended = RecommendedAlarm();

        foreach (var setting in Settings)
        {
            Assert.True(template.Text(created[setting]) == recommended[setting],
                $"{setting}: docs/metrics.md recommends {recommended[setting]}, {fileName} creates {template.Text(created[setting])}");
        }
    }

    [Fact]
    public void The_command_line_form_of_the_alarm_says_the_same()
    {
        var recommended = RecommendedAlarm();
        var command = AlarmCommand();

        Assert.Equal(recommended["Namespace"], command["namespace"]);
        Assert.Equal(recommended["MetricName"], command["metric-name"]);
        Assert.Equal(recommended["Statistic"], command["statistic"]);
        Assert.Equal(recommended["Period"], command["period"]);
        Assert.Equal(recommended["EvaluationPeriods"], command["evaluation-periods"]);
        Assert.Equal(recommended["DatapointsToAlarm"], command["datapoints-to-alarm"]);
        Assert.Equal(recommended["Threshold"], command["threshold"]);
        Assert.Equal(recommended["ComparisonOperator"], command["comparison-operator"]);
        Assert.Equal(recommended["TreatMissingData"], command["treat-missing-data"]);
    }

    [Theory]
    [InlineData("docs/operations.md", "metrics.md#" + Section)]
    [InlineData("deploy/aws/README.md", "../../docs/metrics.md#" + Section)]
    public void Other_documents_link_to_the_alarm_instead_of_giving_their_own(string file, string link)
    {
        var document = MarkdownFile.Load(Root, file);
        var text = File.ReadAllText(Path.Combine(Root, file));

        Assert.Contains(document.Links, l => l.Target == link);
        Assert.DoesNotMatch(AlarmSettings(), text);
    }

    /// <summary>The settings of the CloudFormation alarm in docs/metrics.md's section "An alarm on Ready".</summary>
    private static Dictionary<string, string> RecommendedAlarm()
    {
        var yaml = CodeBlock("yaml");
        var alarm = (JsonObject)CloudFormationYaml.Parse(yaml).First().Value!;
        var properties = alarm["Properties"]!.AsObject();
        return Settings.ToDictionary(s => s, s => properties[s] is JsonValue value ? value.ToString() : throw new InvalidOperationException($"{s} is missing"));
    }

    private static Dictionary<string, string> AlarmCommand() =>
        CliOption().Matches(CodeBlock("sh")).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);

    private static string CodeBlock(string language)
    {
        var text = File.ReadAllText(Path.Combine(Root, "docs", "metrics.md"));
        var section = text.IndexOf("\n### An alarm on Ready\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/metrics.md has no section 'An alarm on Ready'");
        var start = text.IndexOf($"```{language}\n", section, StringComparison.Ordinal) + language.Length + 4;
        return text[start..text.IndexOf("```", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"--(?<name>[a-z-]+) (?<value>[^\s\\]+)")]
    private static partial Regex CliOption();

    // An alarm's own settings, written out: the sign of a second recommendation.
    [GeneratedRegex(@"EvaluationPeriods: \d|--evaluation-periods|DatapointsToAlarm: \d")]
    private static partial Regex AlarmSettings();
}
