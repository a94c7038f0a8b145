using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthService.Tests.Deployment;

/// <summary>
/// Checks a template (in the long form <see cref="CloudFormationYaml"/> produces) against the CloudFormation resource
/// specification, offline: every resource type exists; every property exists for its type and has the right shape
/// (a primitive, a list, a map or a property type, recursively); required properties are present; <c>Ref</c>,
/// <c>Fn::GetAtt</c>, <c>Fn::Sub</c>, <c>Fn::If</c>, <c>Fn::FindInMap</c>, <c>DependsOn</c> and <c>Condition</c>
/// name something that exists. An intrinsic function stands for a value known only at deploy time, so it fits any
/// shape; <c>Fn::If</c> is the exception: each of its branches must fit.
/// </summary>
internal sealed partial class CloudFormationSpecChecker(CloudFormationSpec spec)
{
    private static readonly HashSet<string> PseudoParameters =
    [
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId",
        "AWS::StackName", "AWS::URLSuffix",
    ];

    private static readonly HashSet<string> TemplateKeys =
    [
        "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions",
        "Transform", "Resources", "Outputs",
    ];

    private static readonly HashSet<string> ResourceKeys =
    [
        "Type", "Properties", "DependsOn", "Condition", "Metadata", "CreationPolicy", "UpdatePolicy", "DeletionPolicy",
        "UpdateReplacePolicy",
    ];

    /// <summary>Every problem found, one line each, starting with where it is (<c>Resources.X.Properties.Y</c>).</summary>
    public IReadOnlyList<string> Check(JsonObject template) => new Pass(spec, template).Run();

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex SubReference();

    [GeneratedRegex(@"^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::Value<.+>)$")]
    private static partial Regex ParameterType();

    /// <summary>One check of one template: the names it defines and the errors found so far.</summary>
    private sealed class Pass(CloudFormationSpec spec, JsonObject template)
    {
        private readonly List<string> _errors = [];
        private readonly JsonObject _parameters = template["Parameters"] as JsonObject ?? [];
        private readonly JsonObject _conditions = template["Conditions"] as JsonObject ?? [];
        private readonly JsonObject _mappings = template["Mappings"] as JsonObject ?? [];
        private readonly JsonObject _resources = template["Resources"] as JsonObject ?? [];

        public List<string> Run()
        {
            foreach (var (key, _) in template.Where(entry => !TemplateKeys.Contains(entry.Key)))
            {
                _errors.Add($"{key}: not a template section");
            }

            if (_resources.Count == 0)
            {
                _errors.Add("Resources: a template needs at least one resource");
            }

            foreach (var (name, parameter) in _parameters)
            {
                CheckParameter(name, parameter);
            }

            foreach (var (name, condition) in _conditions)
            {
                CheckReferences(condition, $"Conditions.{name}", inCondition: true);
            }

            foreach (var (name, resource) in _resources)
            {
                CheckResource(name, resource as JsonObject);
            }

            foreach (var (name, output) in template["Outputs"] as JsonObject ?? [])
            {
                CheckOutput(name, output as JsonObject);
            }

            return _errors;
        }

        private void CheckParameter(string name, JsonNode? parameter)
        {
            var type = (string?)parameter?["Type"];
            if (type is null || !ParameterType().IsMatch(type))
            {
                _errors.Add($"Parameters.{name}: Type {type ?? "(missing)"} is not a parameter type");
            }

            if (parameter?["AllowedValues"] is JsonArray allowed && parameter["Default"] is JsonValue @default
                && !allowed.Any(value => (string?)value == (string?)@default))
            {
                _errors.Add($"Parameters.{name}: Default {@default} is not one of its AllowedValues");
            }
        }

        private void CheckResource(string name, JsonObject? resource)
        {
            var path = $"Resources.{name}";
            if (resource is null)
            {
                _errors.Add($"{path}: a resource must be a mapping");
                return;
            }

            foreach (var (key, _) in resource.Where(entry => !ResourceKeys.Contains(entry.Key)))
            {
                _errors.Add($"{path}.{key}: not a resource attribute");
            }

            CheckConditionName(resource["Condition"], $"{path}.Condition");
            var dependsOn = resource["DependsOn"];
            JsonNode?[] dependencies = dependsOn is JsonArray list ? [.. list] : [dependsOn];
            foreach (var dependency in dependencies)
            {
                if (dependency is not null && !_resources.ContainsKey((string?)dependency ?? ""))
                {
                    _errors.Add($"{path}.DependsOn: {dependency!.ToJsonString()} names no resource");
                }
            }

            CheckReferences(resource["Properties"], $"{path}.Properties", inCondition: false);
            CheckReferences(resource["Metadata"], $"{path}.Metadata", inCondition: false);
            CheckReferences(resource["CreationPolicy"], $"{path}.CreationPolicy", inCondition: false);
            CheckReferences(resource["UpdatePolicy"], $"{path}.UpdatePolicy", inCondition: false);

            var typeName = (string?)resource["Type"];
            if (typeName is null)
            {
                _errors.Add($"{path}: Type is missing");
                return;
            }

            if (typeName.StartsWith("Custom::", StringComparison.Ordinal))
            {
                return; // a custom resource takes whatever properties its provider understands
            }

            if (spec.ResourceType(typeName) is not { } type)
            {
                _errors.Add($"{path}: {typeName} is not a CloudFormation resource type");
                return;
            }

            var properties = resource["Properties"];
            if (IsIntrinsic(properties, out _, out _))
            {
                return;
            }

            if (properties is not null and not JsonObject)
            {
                _errors.Add($"{path}.Properties: expected a mapping, got {Describe(properties)}");
                return;
            }

            CheckObject(properties as JsonObject ?? [], type["Properties"] as JsonObject ?? [], typeName, typeName, $"{path}.Properties");
        }

        private void CheckOutput(string name, JsonObject? output)
        {
            var path = $"Outputs.{name}";
            if (output?["Value"] is null)
            {
                _errors.Add($"{path}: Value is missing");
            }

            CheckConditionName(output?["Condition"], $"{path}.Condition");
            CheckReferences(output, path, inCondition: false);
        }

        // ---- Shapes ------------------------------------------------------------------------------------------------

        /// <summary>The properties of a resource or of a property type: known names, fitting values, required ones present.</summary>
        private void CheckObject(JsonObject value, JsonObject properties, string resourceType, string typeLabel, string path)
        {
            foreach (var (name, propertyValue) in value)
            {
                if (properties[name] is JsonObject property)
                {
                    CheckValue(propertyValue, property, resourceType, $"{path}.{name}");
                }
                else
                {
                    _errors.Add($"{path}.{name}: {typeLabel} has no property {name}");
                }
            }

            foreach (var (name, property) in properties)
            {
                if ((bool?)property?["Required"] == true && !value.ContainsKey(name))
                {
                    _errors.Add($"{path}: required property {name} of {typeLabel} is missing");
                }
            }
        }

        /// <summary>A value against a property's specification: PrimitiveType, or Type List/Map/a property type.</summary>
        private void CheckValue(JsonNode? value, JsonObject property, string resourceType, string path)
        {
            if (IsIntrinsic(value, out var function, out var argument))
            {
                // Only Fn::If's branches are known here; AWS::NoValue removes the property, which always fits.
                if (function == "Fn::If" && argument is JsonArray { Count: 3 } branches)
                {
                    foreach (var (branch, label) in new[] { (branches[1], "true"), (branches[2], "false") })
                    {
                        if (!IsNoValue(branch))
                        {
                            CheckValue(branch, property, resourceType, $"{path}[if {label}]");
                        }
                    }
                }

                return;
            }

            if ((string?)property["PrimitiveType"] is { } primitive)
            {
                CheckPrimitive(value, primitive, path);
                return;
            }

            var type = (string?)property["Type"];
            switch (type)
            {
                case "List" or "Map":
                    var items = type == "List" ? (value as JsonArray)?.Select((item, i) => (item, $"{path}[{i}]"))
                        : (value as JsonObject)?.Select(entry => (entry.Value, $"{path}.{entry.Key}"));
                    if (items is null)
                    {
                        _errors.Add($"{path}: expected {Describe(property)}, got {Describe(value)}");
                        return;
                    }

                    var itemProperty = (string?)property["PrimitiveItemType"] is { } itemPrimitive
                        ? new JsonObject { ["PrimitiveType"] = itemPrimitive }
                        : new JsonObject { ["Type"] = (string?)property["ItemType"] };
                    foreach (var (item, itemPath) in items)
                    {
                        CheckValue(item, itemProperty, resourceType, itemPath);
                    }

                    return;
                case null:
                    return; // a property of several possible types (Types/PrimitiveTypes): not checked further
                default:
                    if (spec.PropertyType(resourceType, type) is not { } propertyType)
                    {
                        _errors.Add($"{path}: the specification has no property type {type} for {resourceType}");
                    }
                    else if (propertyType["Properties"] is not JsonObject properties)
                    {
                        CheckValue(value, propertyType, resourceType, path); // a named primitive or list type
                    }
                    else if (value is JsonObject obj)
                    {
                        CheckObject(obj, properties, resourceType, $"{resourceType}.{type}", path);
                    }
                    else
                    {
                        _errors.Add($"{path}: expected {type} (a mapping), got {Describe(value)}");
                    }

                    return;
            }
        }

        private void CheckPrimitive(JsonNode? value, string primitive, string path)
        {
            if (primitive == "Json")
            {
                return; // any mapping, list or string (a policy document, say)
            }

            var fits = value is JsonValue scalar && (string?)scalar is { } text && primitive switch
            {
                "Integer" or "Long" => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                "Double" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
                "Boolean" => text is "true" or "false" or "True" or "False",
                _ => true, // String, Timestamp: CloudFormation takes any scalar
            };
            if (!fits)
            {
                _errors.Add($"{path}: expected {primitive}, got {Describe(value)}");
            }
        }

        // ---- References --------------------------------------------------------------------------------------------

        /// <summary>Every Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::FindInMap and Condition anywhere under a node.</summary>
        private void CheckReferences(JsonNode? node, string path, bool inCondition)
        {
            switch (node)
            {
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        CheckReferences(array[i], $"{path}[{i}]", inCondition);
                    }

                    break;
                case JsonObject obj:
                    if (IsIntrinsic(obj, out var function, out var argument) || (inCondition && obj.Count == 1 && obj.ContainsKey("Condition")))
                    {
                        CheckFunction(function ?? "Condition", argument ?? obj["Condition"], path);
                    }

                    foreach (var (key, child) in obj)
                    {
                        CheckReferences(child, $"{path}.{key}", inCondition);
                    }

                    break;
            }
        }

        private void CheckFunction(string function, JsonNode? argument, string path)
        {
            switch (function)
            {
                case "Ref" when (string?)argument is { } target && !IsReferenceable(target):
                    _errors.Add($"{path}: !Ref {target} names no parameter, resource or pseudo parameter");
                    break;
                case "Fn::GetAtt":
                    if (argument is JsonArray { Count: 2 } getAtt && (string?)getAtt[0] is { } resource)
                    {
                        CheckAttribute(resource, (string?)getAtt[1], $"{path}: !GetAtt {resource}.{getAtt[1]}");
                    }
                    else
                    {
                        _errors.Add($"{path}: !GetAtt takes [resource, attribute], got {Describe(argument)}");
                    }

                    break;
                case "Fn::Sub":
                    CheckSub(argument, path);
                    break;
                case "Fn::If":
                    if (argument is JsonArray { Count: 3 } branches)
                    {
                        CheckConditionName(branches[0], path);
                    }
                    else
                    {
                        _errors.Add($"{path}: !If takes [condition, value if true, value if false], got {Describe(argument)}");
                    }

                    break;
                case "Condition":
                    CheckConditionName(argument, path);
                    break;
                case "Fn::FindInMap" when argument is JsonArray { Count: 3 } find && (string?)find[0] is { } map && !_mappings.ContainsKey(map):
                    _errors.Add($"{path}: !FindInMap {map} names no mapping");
                    break;
            }
        }

        private void CheckSub(JsonNode? argument, string path)
        {
            var (text, variables) = argument switch
            {
                JsonArray { Count: 2 } pair => ((string?)pair[0], pair[1] as JsonObject ?? []),
                _ => ((string?)argument, []),
            };
            if (text is null)
            {
                _errors.Add($"{path}: !Sub takes a string or [string, variables], got {Describe(argument)}");
                return;
            }

            foreach (Match match in SubReference().Matches(text))
            {
                var name = match.Groups[1].Value;
                if (name.StartsWith('!') || variables.ContainsKey(name) || IsReferenceable(name))
                {
                    continue; // ${!Literal} is the escape for a literal ${Literal}
                }

                if (name.Split('.', 2) is [var resource, var attribute])
                {
                    CheckAttribute(resource, attribute, $"{path}: !Sub ${{{name}}}");
                }
                else
                {
                    _errors.Add($"{path}: !Sub ${{{name}}} names no parameter, resource, pseudo parameter or variable");
                }
            }
        }

        private void CheckAttribute(string resource, string? attribute, string where)
        {
            if (_resources[resource] is not JsonObject target)
            {
                _errors.Add($"{where}: there is no resource {resource}");
                return;
            }

            var typeName = (string?)target["Type"] ?? "";
            if (attribute is null || typeName.StartsWith("Custom::", StringComparison.Ordinal)
                || typeName == "AWS::CloudFormation::CustomResource"
                || (typeName == "AWS::CloudFormation::Stack" && attribute.StartsWith("Outputs.", StringComparison.Ordinal)))
            {
                return;
            }

            if (spec.ResourceType(typeName) is { } type && type["Attributes"]?[attribute] is null)
            {
                _errors.Add($"{where}: {typeName} has no attribute {attribute}");
            }
        }

        private void CheckConditionName(JsonNode? name, string path)
        {
            if (name is not null && !_conditions.ContainsKey((string?)name ?? ""))
            {
                _errors.Add($"{path}: condition {name!.ToJsonString()} is not defined in Conditions");
            }
        }

        private bool IsReferenceable(string name) =>
            PseudoParameters.Contains(name) || _parameters.ContainsKey(name) || _resources.ContainsKey(name);
    }

    private static bool IsIntrinsic(JsonNode? node, out string? function, out JsonNode? argument)
    {
        if (node is JsonObject { Count: 1 } obj && obj.First() is var (key, value)
            && (key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal)))
        {
            (function, argument) = (key, value);
            return true;
        }

        (function, argument) = (null, null);
        return false;
    }

    private static bool IsNoValue(JsonNode? node) =>
        IsIntrinsic(node, out var function, out var argument) && function == "Ref" && (string?)argument == "AWS::NoValue";

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "a mapping",
        _ => $"'{value}'",
    };

    private static string Describe(JsonObject property) =>
        (string?)property["PrimitiveType"] ?? (string?)property["Type"] switch
        {
            var collection when collection is "List" or "Map" =>
                $"a {collection} of {(string?)property["PrimitiveItemType"] ?? (string?)property["ItemType"]}",
            var type => type ?? "a value",
        };
}
