using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Deployment;

/// <summary>
/// A template of deploy/aws, read the way the tests need it: resources by type, and values evaluated with every
/// parameter at its default (pseudo parameters and resource ids become placeholders).
/// </summary>
internal sealed partial class CloudFormationTemplate
{
    private static readonly Dictionary<string, string> PseudoParameters = new()
    {
        ["AWS::AccountId"] = "123456789012",
        ["AWS::Partition"] = "aws",
        ["AWS::Region"] = "eu-west-1",
        ["AWS::StackName"] = "healthservice",
        ["AWS::URLSuffix"] = "amazonaws.com",
    };

    private CloudFormationTemplate(string fileName, JsonObject root) => (FileName, Root) = (fileName, root);

    public static string Folder => Path.Combine(ConfigurationTests.RepositoryRoot(), "deploy", "aws");

    public string FileName { get; }

    public JsonObject Root { get; }

    public static CloudFormationTemplate Load(string fileName) =>
        new(fileName, CloudFormationYaml.Load(Path.Combine(Folder, fileName)));

    /// <summary>The properties of the one resource of this type.</summary>
    public JsonObject Single(string type)
    {
        var matches = Root["Resources"]!.AsObject()
            .Where(resource => (string?)resource.Value?["Type"] == type)
            .Select(resource => resource.Value!["Properties"]!.AsObject())
            .ToList();
        Assert.True(matches.Count == 1, $"{FileName}: expected one {type}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>A <c>[{Key, Value}]</c> attribute, as in TargetGroupAttributes and LoadBalancerAttributes.</summary>
    public string? Attribute(JsonNode? attributes, string key) =>
        attributes?.AsArray().Where(a => (string?)a?["Key"] == key).Select(a => Text(a!["Value"])).SingleOrDefault();

    public int Number(JsonNode? value) => int.Parse(Text(value), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>A value as deployed with every parameter at its default. Fn::Base64 is left undone, to be read.</summary>
    public string Text(JsonNode? value)
    {
        if (value is JsonValue scalar)
        {
            return (string)scalar!;
        }

        var (function, argument) = value is JsonObject { Count: 1 } obj ? obj.First() : default;
        return function switch
        {
            "Ref" => Reference((string)argument!),
            "Fn::Sub" => Substitute(argument),
            "Fn::Base64" => Text(argument),
            "Fn::Join" => string.Join(Text(argument![0]), argument[1]!.AsArray().Select(Text)),
            "Fn::FindInMap" => Text(Root["Mappings"]![Text(argument![0])]![Text(argument[1])]![Text(argument[2])]),
            _ => throw new NotSupportedException($"{FileName}: cannot evaluate {value?.ToJsonString() ?? "null"} here"),
        };
    }

    /// <summary>
    /// The values a node may take whatever the conditions: both branches of an Fn::If, nothing for AWS::NoValue.
    /// </summary>
    public static IEnumerable<JsonNode> Branches(JsonNode? node) => node switch
    {
        null => [],
        JsonObject { Count: 1 } obj when obj["Fn::If"] is JsonArray { Count: 3 } branches =>
            Branches(branches[1]).Concat(Branches(branches[2])),
        JsonObject { Count: 1 } obj when (string?)obj["Ref"] == "AWS::NoValue" => [],
        _ => [node],
    };

    private string Reference(string name)
    {
        if (PseudoParameters.TryGetValue(name, out var pseudo))
        {
            return pseudo;
        }

        if (Root["Parameters"]?[name] is { } parameter)
        {
            return parameter["Default"] is { } @default
                ? Text(@default)
                : $"<{name}>"; // a parameter without a default: the value the operator gives
        }

        return $"<{name}>"; // a resource: its id, known once deployed
    }

    private string Substitute(JsonNode? argument)
    {
        var (text, variables) = argument is JsonArray pair ? ((string)pair[0]!, pair[1]!.AsObject()) : ((string)argument!, []);
        return SubReference().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            return name.StartsWith('!') ? "${" + name[1..] + "}"
                : variables[name] is { } variable ? Text(variable)
                : name.Contains('.', StringComparison.Ordinal) ? $"<{name}>"
                : Reference(name);
        });
    }

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex SubReference();
}
