using System.Text.Json.Nodes;

namespace HealthService.Tests.Deployment;

/// <summary>
/// The CloudFormation resource specification (resource types, their properties and attributes, property types), as
/// the npm package <c>@aws-cdk/cfnspec</c> ships it. deploy/aws/spec/package.json pins the package; scripts/test.sh
/// installs it. The Python cfn-lint, which CI's workflow runs as well, needs pip, which the test run does not assume,
/// and the npm cfn-lint's specification is too old for the templates (it rejects StopTimeout, for one).
/// </summary>
internal sealed class CloudFormationSpec
{
    public const string InstallCommand = "npm ci --prefix deploy/aws/spec --no-audit --no-fund";

    private static readonly Lazy<CloudFormationSpec> InstalledSpec = new(() => Load(InstalledPath));

    private readonly JsonObject _resourceTypes;
    private readonly JsonObject _propertyTypes;

    private CloudFormationSpec(JsonObject specification)
    {
        _resourceTypes = specification["ResourceTypes"]!.AsObject();
        _propertyTypes = specification["PropertyTypes"]!.AsObject();
        Version = (string?)specification["ResourceSpecificationVersion"] ?? "unknown";
    }

    public static string InstalledPath => Path.Combine(ConfigurationTests.RepositoryRoot(),
        "deploy", "aws", "spec", "node_modules", "@aws-cdk", "cfnspec", "spec", "specification.json");

    /// <summary>The specification installed under deploy/aws/spec, read once per test run.</summary>
    public static CloudFormationSpec Installed => InstalledSpec.Value;

    public string Version { get; }

    public static CloudFormationSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            // Never a skip: a template test that does not run must not look like one that passed.
            throw new InvalidOperationException(
                $"The CloudFormation resource specification is not installed ({path} does not exist). Install it from " +
                $"the repository root with `{InstallCommand}` (scripts/test.sh does), then run the tests again.");
        }

        using var stream = File.OpenRead(path);
        return new CloudFormationSpec(JsonNode.Parse(stream)!.AsObject());
    }

    /// <summary><c>AWS::ECS::Service</c>: its <c>Properties</c> and <c>Attributes</c>; null when there is no such type.</summary>
    public JsonObject? ResourceType(string name) => _resourceTypes[name] as JsonObject;

    /// <summary>
    /// A property type named in a resource type's property (<c>"Type": "HealthCheck"</c> in
    /// <c>AWS::ECS::TaskDefinition</c> is <c>AWS::ECS::TaskDefinition.HealthCheck</c>), or a shared one (<c>Tag</c>).
    /// </summary>
    public JsonObject? PropertyType(string resourceType, string name) =>
        _propertyTypes[$"{resourceType}.{name}"] as JsonObject ?? _propertyTypes[name] as JsonObject;
}
