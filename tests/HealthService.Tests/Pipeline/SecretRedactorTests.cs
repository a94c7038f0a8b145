using HealthService.Configuration;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Pipeline;

public sealed class SecretRedactorTests
{
    private static SecretRedactor Redactor(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var options = configuration.GetSection(HealthServiceOptions.SectionName).Get<HealthServiceOptions>(ConfigurationGuard.Binding) ?? new HealthServiceOptions();
        return new SecretRedactor(options, configuration);
    }

    [Theory]
    [InlineData("Health:Postgres:orders:ConnectionString", "Host=db;Username=app;Password=pg-s3cret", "pg-s3cret")]
    [InlineData("Health:MySql:orders:ConnectionString", "Server=db;User ID=app;Password=my-s3cret", "my-s3cret")]
    [InlineData("Health:MySql:orders:ConnectionString", "Server=db;User ID=app;pwd='my s3cret;with=semicolon'", "my s3cret;with=semicolon")]
    [InlineData("Health:Details:ApiKey", "k3y-for-the-detailed-view-0123456789", "k3y-for-the-detailed-view-0123456789")]
    [InlineData("Health:Maintenance:ApiKey", "k3y-for-maintenance-writes-9876543210", "k3y-for-maintenance-writes-9876543210")]
    [InlineData("Health:Http:payments:Headers:X-Api-Key", "pay-k3y-42", "pay-k3y-42")]
    [InlineData("Health:Http:payments:Headers:Authorization", "Bearer pay-t0ken", "pay-t0ken")]
    [InlineData("Health:Alerts:Webhooks:ops:Headers:Authorization", "Splunk hook-t0ken", "hook-t0ken")]
    [InlineData("Health:Alerts:Webhooks:ops:Url", "https://hooks.example.com/services/T000/B000/XXXX", "https://hooks.example.com/services/T000/B000/XXXX")]
    [InlineData("Health:Alerts:Webhooks:pd:RoutingKey", "R0123456789abcdef0123456789abcdef", "R0123456789abcdef0123456789abcdef")]
    [InlineData("Health:Command:disk:Environment:DISK_TOKEN", "disk-t0ken", "disk-t0ken")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme-corp,api-key=otel-k3y", "otel-k3y")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme-corp,Authorization=Basic%20b3RlbDpzM2NyM3Q%3D", "b3RlbDpzM2NyM3Q=")]
    public void A_configured_secret_is_redacted_wherever_it_appears(string key, string value, string secret)
    {
        var redactor = Redactor((key, value));

        Assert.Equal("before *** after ***.", redactor.Redact($"before {secret} after {secret}."));
    }

    [Fact]
    public void The_longest_secret_wins_where_secrets_overlap()
    {
        var redactor = Redactor(
            ("Health:Command:a:Environment:SHORT", "s3cret"),
            ("Health:Command:a:Environment:LONG", "s3cret-and-more"));

        Assert.Equal("*** and ***", redactor.Redact("s3cret-and-more and s3cret"));
    }

    [Theory]
    [InlineData("password=hunter2", "password=***")]
    [InlineData("PASSWORD=hunter2 next", "PASSWORD=*** next")]
    [InlineData("PGPASSWORD=hunter2", "PGPASSWORD=***")]
    [InlineData("Host=db;Password=hunter2;Database=orders", "Host=db;Password=***;Database=orders")]
    [InlineData("pwd: hunter2", "pwd: ***")]
    [InlineData("passwd=hunter2", "passwd=***")]
    [InlineData("client_secret=abc123&scope=all", "client_secret=***&scope=all")]
    [InlineData("GET /x?access_token=abc123&page=2", "GET /x?access_token=***&page=2")]
    [InlineData("token=abc123", "token=***")]
    [InlineData("api_key=abc123", "api_key=***")]
    [InlineData("apikey: abc123", "apikey: ***")]
    [InlineData("X-Api-Key: abc123", "X-Api-Key: ***")]
    [InlineData("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer ***")]
    [InlineData("authorization=Basic dXNlcjpwYXNz", "authorization=Basic ***")]
    [InlineData("{\"password\": \"two words\", \"user\": \"app\"}", "{\"password\": \"***\", \"user\": \"app\"}")]
    [InlineData("Secret = 'hunter2'", "Secret = '***'")]
    [InlineData("postgres://app:hunter2@db:5432/orders", "postgres://app:***@db:5432/orders")]
    [InlineData("a password=one and a token=two", "a password=*** and a token=***")]
    public void Values_shaped_like_credentials_are_redacted(string text, string expected)
    {
        Assert.Equal(expected, Redactor().Redact(text));
    }

    [Theory]
    [InlineData("OK - 42% of / used")]
    [InlineData("tokens left: 3")]
    [InlineData("author: Jane")]
    [InlineData("passed=12 failed=0")]
    [InlineData("key=value")]
    [InlineData("https://example.com:8443/health")]
    [InlineData("password is required")]
    [InlineData("")]
    public void Text_without_secrets_is_returned_as_it_is(string text)
    {
        Assert.Same(text, Redactor(("Health:Details:ApiKey", "k3y-for-the-detailed-view-0123456789")).Redact(text));
    }

    [Fact]
    public void Values_shorter_than_four_characters_are_not_treated_as_secrets()
    {
        var redactor = Redactor(("Health:Command:disk:Environment:WARN", "80%"), ("Health:Command:disk:Environment:MODE", "ab"));

        Assert.Equal("80% used, mode ab", redactor.Redact("80% used, mode ab"));
    }

    [Fact]
    public void A_connection_string_that_does_not_parse_contributes_nothing()
    {
        var redactor = Redactor(("Health:Postgres:main:ConnectionString", "Host=db;Password=pa;hunter2=ss"));

        Assert.Equal("pa hunter2 ss", redactor.Redact("pa hunter2 ss"));
    }

    [Fact]
    public void String_data_values_are_redacted_and_other_values_kept()
    {
        var redactor = Redactor(("Health:Details:ApiKey", "k3y-for-the-detailed-view-0123456789"));
        var data = new Dictionary<string, object>
        {
            ["dsn"] = "Host=db;Password=hunter2",
            ["key"] = "k3y-for-the-detailed-view-0123456789",
            ["rows"] = 42,
            ["note"] = "fine",
        };

        var redacted = redactor.RedactValues(data);

        Assert.Equal("Host=db;Password=***", redacted["dsn"]);
        Assert.Equal("***", redacted["key"]);
        Assert.Equal(42, redacted["rows"]);
        Assert.Equal("fine", redacted["note"]);
        Assert.Equal("Host=db;Password=hunter2", data["dsn"]); // the check's own dictionary is not changed
    }

    [Fact]
    public void Data_without_secrets_is_returned_as_it_is()
    {
        IReadOnlyDictionary<string, object> data = new Dictionary<string, object> { ["rows"] = 42, ["note"] = "fine" };

        Assert.Same(data, Redactor().RedactValues(data));
    }

    [Fact]
    public async Task String_data_values_reach_the_snapshot_redacted()
    {
        const string ApiKey = "k3y-for-the-detailed-view-0123456789";
        var data = new Dictionary<string, object> { ["dsn"] = "Host=db;Password=hunter2", ["key"] = ApiKey, ["rows"] = 42 };
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", ApiKey)
            .WithServices(services => services.AddHealthChecks().AddCheck("inventory", () => HealthCheckResult.Healthy($"fine, token={ApiKey}", data)));

        await factory.WaitForProbeAsync("inventory", "Healthy");

        var entry = factory.Services.GetRequiredService<HealthSnapshotStore>().Current!.Report.Entries["inventory"];
        Assert.Equal("fine, token=***", entry.Description);
        Assert.Equal("Host=db;Password=***", entry.Data["dsn"]);
        Assert.Equal("***", entry.Data["key"]);
        Assert.Equal(42, entry.Data["rows"]);
    }
}
