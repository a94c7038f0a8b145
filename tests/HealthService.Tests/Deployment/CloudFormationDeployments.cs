namespace HealthService.Tests.Deployment;

/// <summary>
/// The deployments of each template the tests evaluate: its defaults (what <c>aws cloudformation deploy</c> without
/// overrides creates), and every optional part turned on. A check that must hold whatever the operator chooses runs
/// on both.
/// </summary>
internal static class CloudFormationDeployments
{
    public const string Defaults = "defaults";
    public const string EveryOption = "every option";

    public const string AlarmEmail = "ops@example.com";
    public const string CertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    public const string DatabaseSecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:healthservice-db-AbCdEf";
    public const string DependencyUrl = "https://payments.example.com/health";

    /// <summary>A value for every optional parameter; a template takes those it declares.</summary>
    private static readonly (string Name, string Value)[] Options =
    [
        ("AlarmEmail", AlarmEmail),
        ("CertificateArn", CertificateArn),
        ("DatabaseSecretArn", DatabaseSecretArn),
        ("GrpcHealthCheck", "enabled"),
        ("DependencyUrl", DependencyUrl),
    ];

    /// <summary>Every template of deploy/aws, in every deployment.</summary>
    public static TheoryData<string, string> All
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var fileName in CloudFormationTemplateTests.Templates.Select(row => row.Data))
            {
                data.Add(fileName, Defaults);
                data.Add(fileName, EveryOption);
            }

            return data;
        }
    }

    public static CloudFormationTemplate Load(string fileName, string deployment)
    {
        if (deployment == Defaults)
        {
            return CloudFormationTemplate.Load(fileName);
        }

        Assert.Equal(EveryOption, deployment);
        var declared = CloudFormationTemplate.Load(fileName).Root["Parameters"]!.AsObject();
        return CloudFormationTemplate.Load(fileName, [.. Options.Where(option => declared.ContainsKey(option.Name))]);
    }
}
