using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Deployment;

/// <summary>
/// A template of deploy/aws, read the way the tests need it: resources by type or name, and values evaluated as
/// CloudFormation would deploy them, with every parameter at its default unless a scenario sets it (pseudo
/// parameters and resource ids become placeholders). Conditions, <c>Fn::If</c> and <c>AWS::NoValue</c> are
/// evaluated, so a resource or a list item that a scenario does not create is not there.
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

    private readonly Dictionary<string, string> _parameters;

    private CloudFormationTemplate(string fileName, JsonObject root, Dictionary<string, string> parameters) =>
        (FileName, Root, _parameters) = (fileName, root, parameters);

    public static string Folder => Path.Combine(ConfigurationTests.RepositoryRoot(), "deploy", "aws");

    public string FileName { get; }

    public JsonObject Root { get; }

    /// <summary>The template deployed with these parameter values; the others keep their defaults.</summary>
    public static CloudFormationTemplate Load(string fileName, params (string Name, string Value)[] parameters)
    {
        var root = CloudFormationYaml.Load(Path.Combine(Folder, fileName));
        foreach (var (name, _) in parameters)
        {
            Assert.True(root["Parameters"]?[name] is not null, $"{fileName} has no parameter {name}");
        }

        return new(fileName, root, parameters.ToDictionary(p => p.Name, p => p.Value));
    }

    /// <summary>The properties of the one resource of this type that this deployment creates.</summary>
    public JsonObject Single(string type)
    {
        var matches = Resources(type).ToList();
        Assert.True(matches.Count == 1, $"{FileName}: expected one {type}, found {matches.Count}");
        return matches[0].Properties;
    }

    /// <summary>The resources of this type that this deployment creates (their Condition holds), by logical name.</summary>
    public IEnumerable<(string Name, JsonObject Properties)> Resources(string type) =>
        Root["Resources"]!.AsObject()
            .Where(resource => (string?)resource.Value?["Type"] == type && IsCreated(resource.Key))
            .Select(resource => (resource.Key, resource.Value!["Properties"] as JsonObject ?? []));

    /// <summary>The properties of a resource by its logical name; it must be created in this deployment.</summary>
    public JsonObject Resource(string name)
    {
        Assert.True(Root["Resources"]?[name] is not null, $"{FileName} has no resource {name}");
        Assert.True(IsCreated(name), $"{FileName}: {name} is not created in this deployment");
        return Root["Resources"]![name]!["Properties"] as JsonObject ?? [];
    }

    /// <summary>Whether this deployment creates the resource: it has no Condition, or its Condition holds.</summary>
    public bool IsCreated(string resourceName) =>
        Root["Resources"]?[resourceName]?["Condition"] is not { } condition || Holds((string)condition!);

    /// <summary>A condition of the Conditions section, evaluated for this deployment.</summary>
    public bool Holds(string conditionName) =>
        Root["Conditions"]?[conditionName] is { } condition
            ? IsTrue(condition)
            : throw new InvalidOperationException($"{FileName}: no condition {conditionName}");

    /// <summary>A condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), as in Conditions and Rules.</summary>
    public bool IsTrue(JsonNode? condition)
    {
        var (function, argument) = condition is JsonObject { Count: 1 } obj ? obj.First() : default;
        return function switch
        {
            "Fn::Equals" => Text(argument![0]) == Text(argument[1]),
            "Fn::Not" => !IsTrue(argument![0]),
            "Fn::And" => argument!.AsArray().All(IsTrue),
            "Fn::Or" => argument!.AsArray().Any(IsTrue),
            "Condition" => Holds((string)argument!),
            _ => throw new NotSupportedException($"{FileName}: cannot evaluate the condition {condition?.ToJsonString() ?? "null"}"),
        };
    }

    /// <summary>Whether every assertion of the template's Rules holds for these parameters, as CloudFormation checks.</summary>
    public bool RulesHold() =>
        (Root["Rules"] as JsonObject ?? []).All(rule =>
            rule.Value!["RuleCondition"] is { } applies && !IsTrue(applies)
            || rule.Value["Assertions"]!.AsArray().All(assertion => IsTrue(assertion!["Assert"])));

    /// <summary>
    /// A value as this deployment gives it, with Fn::If decided: null for AWS::NoValue (the property is left out).
    /// </summary>
    public JsonNode? Deployed(JsonNode? value) => value switch
    {
        JsonObject { Count: 1 } obj when obj["Fn::If"] is JsonArray { Count: 3 } branches =>
            Deployed(Holds((string)branches[0]!) ? branches[1] : branches[2]),
        JsonObject { Count: 1 } obj when (string?)obj["Ref"] == "AWS::NoValue" => null,
        _ => value,
    };

    /// <summary>The items of a list as this deployment gives it: each Fn::If decided, AWS::NoValue items left out.</summary>
    public IEnumerable<JsonNode> Items(JsonNode? list) =>
        Deployed(list) is JsonArray array ? array.Select(Deployed).OfType<JsonNode>() : [];

    /// <summary>A <c>[{Key, Value}]</c> attribute, as in TargetGroupAttributes and LoadBalancerAttributes.</summary>
    public string? Attribute(JsonNode? attributes, string key) =>
        Items(attributes).Where(a => (string?)a["Key"] == key).Select(a => Text(a["Value"])).SingleOrDefault();

    public int Number(JsonNode? value) => int.Parse(Text(value), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>A value as deployed. Fn::Base64 is left undone, to be read.</summary>
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
            "Fn::If" => Deployed(value) is { } chosen ? Text(chosen) : throw new InvalidOperationException(
                $"{FileName}: {value!.ToJsonString()} is AWS::NoValue in this deployment"),
            _ => throw new NotSupportedException($"{FileName}: cannot evaluate {value?.ToJsonString() ?? "null"} here"),
        };
    }

    private string Reference(string name)
    {
        if (PseudoParameters.TryGetValue(name, out var pseudo))
        {
            return pseudo;
        }

        if (Root["Parameters"]?[name] is { } parameter)
        {
            return _parameters.TryGetValue(name, out var given) ? given
                : parameter["Default"] is { } @default ? Text(@default)
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
