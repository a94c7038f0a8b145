using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HealthService.Tests.Deployment;

/// <summary>
/// Reads a CloudFormation YAML template into the JSON form CloudFormation itself works on: short-form intrinsics
/// become their long form (<c>!Ref X</c> is <c>{"Ref": "X"}</c>, <c>!GetAtt A.B</c> is
/// <c>{"Fn::GetAtt": ["A", "B"]}</c>, <c>!Sub s</c> is <c>{"Fn::Sub": s}</c>, ...). Scalars stay strings, as
/// CloudFormation's own YAML reader leaves them; the checker decides whether a string fits an Integer or a Boolean.
/// </summary>
internal static class CloudFormationYaml
{
    private static readonly HashSet<string> Functions =
    [
        "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Length", "Not", "Or",
        "Select", "Split", "Sub", "ToJsonString", "Transform",
    ];

    public static JsonObject Load(string path) => Parse(File.ReadAllText(path));

    public static JsonObject Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode) as JsonObject
            ?? throw new InvalidDataException("A CloudFormation template must be a YAML mapping.");
    }

    private static JsonNode? Convert(YamlNode node)
    {
        var tag = node.Tag.IsEmpty ? "" : node.Tag.Value;
        // "!" alone is YAML's non-specific tag (a quoted scalar); "tag:yaml.org,2002:..." are the standard types.
        return tag.Length > 1 && tag[0] == '!' ? Intrinsic(tag[1..], node) : Untagged(node);
    }

    private static JsonNode? Untagged(YamlNode node) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(entry =>
            KeyValuePair.Create(Key(entry.Key), Convert(entry.Value)))),
        _ => throw new InvalidDataException($"line {node.Start.Line}: unsupported YAML node {node.NodeType}"),
    };

    private static string Key(YamlNode key) => key is YamlScalarNode { Value: { } value }
        ? value
        : throw new InvalidDataException($"line {key.Start.Line}: a mapping key must be a plain string");

    private static JsonObject Intrinsic(string name, YamlNode node) => name switch
    {
        "Ref" => new JsonObject { ["Ref"] = Untagged(node) },
        "Condition" => new JsonObject { ["Condition"] = Untagged(node) },
        // !GetAtt Resource.Attribute; the attribute may itself contain dots (Endpoint.Address).
        "GetAtt" when node is YamlScalarNode { Value: { } value } && value.Split('.', 2) is [var resource, var attribute] =>
            new JsonObject { ["Fn::GetAtt"] = new JsonArray(resource, attribute) },
        "GetAtt" => new JsonObject { ["Fn::GetAtt"] = Untagged(node) },
        _ when Functions.Contains(name) => new JsonObject { ["Fn::" + name] = Untagged(node) },
        _ => throw new InvalidDataException($"line {node.Start.Line}: !{name} is not a CloudFormation intrinsic function"),
    };
}
