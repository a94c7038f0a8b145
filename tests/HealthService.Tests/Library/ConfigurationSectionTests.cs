using System.Net;
using HealthService.Configuration;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthService.Tests.Library;

/// <summary>
/// An application that owns a <c>Health</c> section of its own gives the library another one:
/// <c>AddHealthService("Monitoring:Health")</c> reads only there, refuses unknown keys there by their full name, and
/// leaves the application's section alone.
/// </summary>
public sealed class ConfigurationSectionTests
{
    private const string Section = "Monitoring:Health";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An application whose own settings live under <c>Health</c>, and the library's under <see cref="Section"/>.</summary>
    private static WebApplicationBuilder Builder()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = Directory.CreateTempSubdirectory("section-app-").FullName });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(HealthServiceFactory.DefaultSettings.Where(s => s.Key.StartsWith("Health:", StringComparison.Ordinal))
            .Select(s => new KeyValuePair<string, string?>($"Monitoring:{s.Key}", s.Value)));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Health:Inspector"] = "ops@example.com", // the application's own, unknown to the library
            ["Health:Insurance:Plan"] = "gold",
        });
        return builder;
    }

    [Fact]
    public async Task An_application_with_its_own_Health_section_starts_with_the_library_reading_another()
    {
        var builder = Builder();
        builder.Configuration[$"{Section}:DrainDelay"] = "00:00:03";
        builder.AddHealthService(Section);
        await using var app = builder.Build();
        app.MapHealthService();

        await app.StartAsync(Ct);

        var options = app.Services.GetRequiredService<IOptions<HealthServiceOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), (options.Interval, options.DrainDelay));
        Assert.Equal("ops@example.com", app.Configuration["Health:Inspector"]); // untouched
        var client = app.GetTestClient();
        Assert.Equal(HttpStatusCode.OK, (await LibraryApp.WaitForAsync(client, "/health", HttpStatusCode.OK)).StatusCode);
        await app.StopAsync(Ct);
    }

    [Fact]
    public void An_unknown_key_under_the_section_is_refused_naming_the_full_key()
    {
        var builder = Builder();
        builder.Configuration[$"{Section}:Postgres:main:ConectionString"] = "Host=db";

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddHealthService(Section));

        Assert.StartsWith("Monitoring:Health:Postgres:main:ConectionString is not a known setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_names_keys_under_the_section_and_settings_in_code_apply_over_it()
    {
        var builder = Builder();
        var calls = 0;
        builder.AddHealthService(Section, options =>
        {
            calls++;
            options.Timeout = TimeSpan.FromSeconds(9);
        });
        await using var app = builder.Build();
        app.MapHealthService();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains("Monitoring:Health:Timeout must be greater than zero and no longer than Monitoring:Health:Interval", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" Health:", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls); // configure runs once
    }

    [Fact]
    public async Task A_key_set_under_the_section_after_AddHealthService_read_it_is_refused_at_start_naming_it()
    {
        var builder = Builder();
        builder.AddHealthService(Section);
        builder.Configuration.AddInMemoryCollection([new($"{Section}:Postgres:main:ConnectionString", "Host=db")]);
        await using var app = builder.Build();
        app.MapHealthService();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains("Monitoring:Health:Postgres:main:ConnectionString was set after AddHealthService read", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Host=db", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(":Health")]
    public void A_section_path_that_names_no_section_is_refused(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => Builder().AddHealthService(path));

        Assert.Equal("configSectionPath", error.ParamName);
    }
}
