using System.Text;
using System.Text.Json;
using HealthService.Tests.Alerts;
using Json.Schema;

namespace HealthService.Tests.Telemetry;

/// <summary>
/// Checks a line against AWS's Embedded Metric Format specification: the JSON schema (Schemas/cloudwatch-emf.schema.json)
/// and the rules between members that a schema cannot state.
/// </summary>
internal static class EmfSpecification
{
    /// <summary>A CloudWatch Logs event, and so an EMF document, is at most 256 KB (the specification's limit).</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    private static readonly Lazy<JsonSchema> Schema = new(() => VendorSchemas.Load(Path.Combine("Telemetry", "Schemas"), "cloudwatch-emf"));

    /// <summary>Every way <paramref name="line"/> breaks the specification, as readable messages; none when it is a valid document.</summary>
    public static IReadOnlyList<string> Violations(string line)
    {
        var violations = new List<string>();
        if (line.Length == 0 || line[0] != '{' || line[^1] != '}')
        {
            violations.Add("the line is not one JSON object with nothing before or after it");
        }

        if (Encoding.UTF8.GetByteCount(line) > MaxDocumentBytes)
        {
            violations.Add($"the document is over {MaxDocumentBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            violations.Add($"not JSON: {ex.Message}");
            return violations;
        }

        using (document)
        {
            violations.AddRange(VendorSchemas.Violations(Schema.Value, Encoding.UTF8.GetBytes(line)));
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("_aws", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("CloudWatchMetrics", out var directives) && directives.ValueKind == JsonValueKind.Array)
            {
                foreach (var directive in directives.EnumerateArray())
                {
                    CheckTargets(document.RootElement, directive, violations);
                }
            }
        }

        return violations;
    }

    public static void AssertValid(string line)
    {
        var violations = Violations(line);
        Assert.True(violations.Count == 0, $"The line breaks the EMF specification:\n{string.Join('\n', violations)}\nLine: {line}");
    }

    /// <summary>
    /// Each dimension key and metric name references a member of the root (not a nested one): a dimension's value is a
    /// string CloudWatch accepts as a dimension value, a metric's a number or an array of at most 100 numbers.
    /// </summary>
    private static void CheckTargets(JsonElement root, JsonElement directive, List<string> violations)
    {
        if (directive.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (directive.TryGetProperty("Dimensions", out var sets) && sets.ValueKind == JsonValueKind.Array)
        {
            foreach (var set in sets.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Array))
            {
                if (set.GetArrayLength() > 30)
                {
                    violations.Add($"a DimensionSet has {set.GetArrayLength()} keys, more than 30");
                }

                foreach (var key in set.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.String).Select(k => k.GetString()!))
                {
                    if (!root.TryGetProperty(key, out var value))
                    {
                        violations.Add($"dimension {key} is not a member of the root");
                    }
                    else if (value.ValueKind != JsonValueKind.String)
                    {
                        violations.Add($"dimension {key} is a {value.ValueKind}, not a string");
                    }
                    else if (!IsDimensionValue(value.GetString()!))
                    {
                        violations.Add($"dimension {key} has a value CloudWatch refuses ('{value.GetString()}'): 1 to 1024 printable ASCII characters, not all spaces");
                    }
                }
            }
        }

        if (directive.TryGetProperty("Metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Array)
        {
            if (metrics.GetArrayLength() > 100)
            {
                violations.Add($"a MetricDirective has {metrics.GetArrayLength()} metrics, more than 100");
            }

            foreach (var definition in metrics.EnumerateArray())
            {
                if (definition.ValueKind != JsonValueKind.Object || !definition.TryGetProperty("Name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
                {
                    continue; // the schema reports it
                }

                var name = nameElement.GetString()!;
                if (!root.TryGetProperty(name, out var value))
                {
                    violations.Add($"metric {name} is not a member of the root");
                }
                else if (value.ValueKind == JsonValueKind.Array)
                {
                    if (value.GetArrayLength() > 100 || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                    {
                        violations.Add($"metric {name} is an array that is not at most 100 numbers");
                    }
                }
                else if (value.ValueKind != JsonValueKind.Number)
                {
                    violations.Add($"metric {name} is a {value.ValueKind}, not a number");
                }
            }
        }
    }

    private static bool IsDimensionValue(string value) =>
        value.Length is > 0 and <= 1024 && value.All(c => c is >= ' ' and <= '~') && !string.IsNullOrWhiteSpace(value);
}
