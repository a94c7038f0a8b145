using System.Text.Json;
using Json.Schema;

namespace HealthService.Tests.Alerts;

/// <summary>
/// The vendors' documented structures as JSON schemas (Alerts/Schemas/*.schema.json, Telemetry/Schemas/*.schema.json;
/// each says where it comes from), and a check of a body against one that fails with every violation and where it is.
/// </summary>
internal static class VendorSchemas
{
    private static readonly Lazy<JsonSchema> SlackSchema = new(() => Load("slack-message"));
    private static readonly Lazy<JsonSchema> TeamsSchema = new(() => Load("teams-adaptive-card"));
    private static readonly Lazy<JsonSchema> PagerDutySchema = new(() => Load("pagerduty-event"));

    public static JsonSchema Slack => SlackSchema.Value;

    public static JsonSchema Teams => TeamsSchema.Value;

    public static JsonSchema PagerDuty => PagerDutySchema.Value;

    public static JsonSchema For(string format) => format switch
    {
        "slack" => Slack,
        "teams" => Teams,
        "pagerduty" => PagerDuty,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "no vendor schema"),
    };

    /// <summary>The violations of <paramref name="schema"/> in <paramref name="body"/>, as "location: message"; none when valid.</summary>
    public static IReadOnlyList<string> Violations(JsonSchema schema, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (result.IsValid)
        {
            return [];
        }

        var violations = (result.Details ?? [])
            .Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation} ({detail.EvaluationPath}): {error.Value}"))
            .ToList();
        return violations.Count > 0 ? violations : ["invalid, without details"];
    }

    public static void AssertValid(JsonSchema schema, byte[] body)
    {
        var violations = Violations(schema, body);
        Assert.True(violations.Count == 0, "The body breaks the vendor's documented structure:\n" + string.Join('\n', violations));
    }

    private static JsonSchema Load(string name) => Load(Path.Combine("Alerts", "Schemas"), name);

    /// <summary>The schema <c>tests/HealthService.Tests/&lt;folder&gt;/&lt;name&gt;.schema.json</c>.</summary>
    public static JsonSchema Load(string folder, string name) => JsonSchema.FromText(
        File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "tests", "HealthService.Tests", folder, name + ".schema.json")));
}
