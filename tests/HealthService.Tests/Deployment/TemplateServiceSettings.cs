using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HealthService.Configuration;
using Microsoft.Extensions.Configuration;

namespace HealthService.Tests.Deployment;

/// <summary>
/// What a template gives the service it runs: the environment variables (from the ECS container definition, or from
/// the env file the EC2 user data writes), and the configuration and options the service would bind from them on top
/// of the shipped appsettings.json.
/// </summary>
internal static partial class TemplateServiceSettings
{
    /// <summary>A connection string for settings a template takes from Secrets Manager, so that they can be validated.</summary>
    private const string SecretConnectionString = "Host=db.example.internal;Database=app;Username=app";

    /// <summary>An EC2 instance id, for the identity the EC2 user data reads from the instance metadata at each start.</summary>
    public const string InstanceId = "i-0123456789abcdef0";

    public const string HealthServiceContainer = "healthservice";

    /// <summary>
    /// The environment variables a template gives the container in its deployment; what the host fills in at each start
    /// (secrets, the EC2 instance id) gets a stand-in value.
    /// </summary>
    public static Dictionary<string, string> Of(CloudFormationTemplate template)
    {
        if (template.Root["Resources"]!.AsObject().Any(r => (string?)r.Value?["Type"] == "AWS::ECS::TaskDefinition"))
        {
            var container = Container(template);
            var settings = template.Items(container["Environment"]).ToDictionary(e => template.Text(e["Name"]), e => template.Text(e["Value"]));
            foreach (var secret in template.Items(container["Secrets"]))
            {
                settings.Add(template.Text(secret["Name"]), StandIn(template.Text(secret["Name"])));
            }

            return settings;
        }

        // EC2: the env file the user data writes, and any Health__ key the user data writes elsewhere (the secret, the
        // instance id).
        var userData = UserData(template);
        var fromFile = Heredoc(userData, "/etc/healthservice/healthservice.env")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        foreach (var key in HealthKey().Matches(userData).Select(m => m.Value).Distinct().Where(key => !fromFile.ContainsKey(key)))
        {
            fromFile.Add(key, StandIn(key));
        }

        return fromFile;
    }

    /// <summary>appsettings.json, then the template's environment variables (then any extra), as the host reads them.</summary>
    public static IConfiguration Configuration(CloudFormationTemplate template, params (string Key, string Value)[] extra) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(ConfigurationTests.RepositoryRoot(), "appsettings.json"))
            .AddInMemoryCollection(AsConfiguration(Of(template).Select(s => (s.Key, s.Value))))
            .AddInMemoryCollection(AsConfiguration(extra))
            .Build();

    /// <summary>The Health options the service would run with; a configuration it would refuse fails the test here.</summary>
    public static HealthServiceOptions Options(CloudFormationTemplate template)
    {
        var configuration = Configuration(template);
        if (ConfigurationGuard.FindError(configuration) is { } error)
        {
            Assert.Fail($"{template.FileName}: the service would refuse its settings: {error}");
        }

        return configuration.GetSection(HealthServiceOptions.SectionName).Get<HealthServiceOptions>(ConfigurationGuard.Binding) ?? new HealthServiceOptions();
    }

    /// <summary>HealthService's container: the task's only one, or the one named <c>healthservice</c> beside an application.</summary>
    public static JsonNode Container(CloudFormationTemplate template) => Container(template, HealthServiceContainer);

    /// <summary>The container of this name in the template's task definition.</summary>
    public static JsonNode Container(CloudFormationTemplate template, string name) =>
        Assert.Single(template.Items(template.Single("AWS::ECS::TaskDefinition")["ContainerDefinitions"]), c => template.Text(c["Name"]) == name);

    public static string UserData(CloudFormationTemplate template) =>
        template.Text(template.Single("AWS::EC2::LaunchTemplate")["LaunchTemplateData"]!["UserData"]);

    /// <summary>The text of <c>cat &gt; path &lt;&lt;'EOF' ... EOF</c> in a script.</summary>
    public static string Heredoc(string script, string path)
    {
        var start = script.IndexOf($"cat > {path} <<'EOF'\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the user data writes no {path}");
        var body = script.IndexOf('\n', start) + 1;
        return script[body..script.IndexOf("\nEOF\n", body, StringComparison.Ordinal)];
    }

    /// <summary>Environment variables as configuration keys: <c>Health__Interval</c> is <c>Health:Interval</c>.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> AsConfiguration(IEnumerable<(string Key, string Value)> variables) =>
        variables.Select(v => new KeyValuePair<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value));

    private static string StandIn(string key) =>
        key.EndsWith("__ConnectionString", StringComparison.Ordinal) ? SecretConnectionString
        : key == "Health__Alerts__Instance" ? InstanceId
        : throw new InvalidOperationException($"No stand-in value for {key}, which the host fills in: add one to the test.");

    [GeneratedRegex(@"\bHealth__[A-Za-z0-9_-]+")]
    private static partial Regex HealthKey();
}
