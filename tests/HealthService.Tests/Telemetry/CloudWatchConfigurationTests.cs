using HealthService.Configuration;
using Microsoft.Extensions.Configuration;

namespace HealthService.Tests.Telemetry;

/// <summary><c>Health:Metrics:CloudWatch</c> is checked at start by CloudWatch's own rules, and a bad value names its key.</summary>
public sealed class CloudWatchConfigurationTests
{
    private static string? ErrorFor(params (string Key, string Value)[] settings) =>
        ConfigurationGuard.FindError(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Theory]
    [InlineData("Health:Metrics:CloudWatch:Namespace", "", "Health:Metrics:CloudWatch:Namespace must not be empty")]
    [InlineData("Health:Metrics:CloudWatch:Namespace", "   ", "Health:Metrics:CloudWatch:Namespace must not be empty")]
    [InlineData("Health:Metrics:CloudWatch:Namespace", "Health*Service", "Health:Metrics:CloudWatch:Namespace may contain only letters, digits, spaces and . - _ / # :")]
    [InlineData("Health:Metrics:CloudWatch:Namespace", "Gesundheit-\u00fc", "Health:Metrics:CloudWatch:Namespace may contain only")]
    [InlineData("Health:Metrics:CloudWatch:Namespace", ":orders", "Health:Metrics:CloudWatch:Namespace must not start with ':'")]
    [InlineData("Health:Metrics:CloudWatch:Namespace", "AWS/ECS", "Health:Metrics:CloudWatch:Namespace must not start with 'AWS/'")]
    [InlineData("Health:Metrics:CloudWatch:ServiceName", "bestellungen-\u00fc", "Health:Metrics:CloudWatch:ServiceName must be 1 to 1024 printable ASCII characters")]
    [InlineData("Health:Metrics:CloudWatch:ServiceName", " ", "Health:Metrics:CloudWatch:ServiceName must be 1 to 1024 printable ASCII characters")]
    [InlineData("Health:Metrics:CloudWatch:QueueCapacity", "0", "Health:Metrics:CloudWatch:QueueCapacity must be between 1 and 100000")]
    [InlineData("Health:Metrics:CloudWatch:Enabled", "yes please", "at 'Health:Metrics:CloudWatch:Enabled' to type 'System.Boolean'")]
    [InlineData("Health:Metrics:CloudWatch:Namepsace", "HealthService", "Health:Metrics:CloudWatch:Namepsace is not a known setting")]
    [InlineData("Health:Metrics:Cloudwatch:Dimensions", "Instance", "Health:Metrics:Cloudwatch:Dimensions is not a known setting")]
    public void A_bad_value_is_reported_with_its_key(string key, string value, string expected)
    {
        var error = ErrorFor((key, value));

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void A_namespace_longer_than_255_characters_is_refused() =>
        Assert.Contains("Health:Metrics:CloudWatch:Namespace must be at most 255 characters", ErrorFor(("Health:Metrics:CloudWatch:Namespace", new string('n', 256))), StringComparison.Ordinal);

    [Theory]
    [InlineData("HealthService")]
    [InlineData("Shop/Orders service")]
    [InlineData("a.b-c_d/e#f:g")]
    public void A_namespace_CloudWatch_accepts_is_accepted(string value) =>
        Assert.Null(ErrorFor(("Health:Metrics:CloudWatch:Enabled", "true"), ("Health:Metrics:CloudWatch:Namespace", value), ("Health:Metrics:CloudWatch:ServiceName", "orders-api")));
}
