using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Library;

/// <summary>The library's two lines in an application of its own, and the clear errors of using them wrongly.</summary>
public sealed class LibraryApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebApplicationBuilder Builder() => Infrastructure.LibraryApp.Builder();

    [Fact]
    public async Task Two_lines_give_an_application_health_and_a_chained_check_gates_it()
    {
        var builder = Builder();
        var check = new Infrastructure.ControllableHealthCheck { Mode = Infrastructure.ProbeMode.Unhealthy };
        builder.AddHealthService().AddCheck("orders", check);
        await using var app = builder.Build();
        app.MapHealthService();
        await app.StartAsync(Ct);
        var client = app.GetTestClient();

        Assert.Equal("503 Unhealthy", await AnswerAsync(client, "/health", "503 Unhealthy"));
        check.Mode = Infrastructure.ProbeMode.Healthy;
        Assert.Equal("200 OK", await AnswerAsync(client, "/health", "200 OK"));
        Assert.Equal("200 OK", await AnswerAsync(client, "/health/live", "200 OK"));
        await app.StopAsync(Ct);
    }

    [Fact]
    public async Task Paths_can_be_overridden_and_the_convention_builder_reaches_every_endpoint()
    {
        var builder = Builder();
        builder.AddHealthService(options => options.Details.Enabled = true);
        await using var app = builder.Build();
        app.MapHealthService(paths =>
        {
            paths.ReadinessPath = "/ready";
            paths.LivenessPath = "/alive";
            paths.DetailsPath = "/ready/details";
            paths.HistoryPath = "/ready/history";
            paths.StatusPagePath = "/ready/page";
        }).WithMetadata(new TagMarker());
        await app.StartAsync(Ct);
        var client = app.GetTestClient();

        Assert.Equal("200 OK", await AnswerAsync(client, "/ready", "200 OK"));
        Assert.Equal("200 OK", await AnswerAsync(client, "/alive", "200 OK"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/health", Ct)).StatusCode);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        Assert.Equal(6, endpoints.Count(e => e.Metadata.GetMetadata<TagMarker>() is not null)); // readiness, liveness, details, maintenance, history, status page
        var tagged = endpoints.OfType<RouteEndpoint>().Where(e => e.Metadata.GetMetadata<TagMarker>() is not null).Select(e => e.RoutePattern.RawText).Order();
        Assert.Equal(["/alive", "/health/maintenance", "/ready", "/ready/details", "/ready/history", "/ready/page"], tagged);
        await app.StopAsync(Ct);
    }

    [Fact]
    public void AddHealthService_twice_is_refused_with_a_message_that_says_so()
    {
        var builder = Builder();
        builder.AddHealthService();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddHealthService());

        Assert.Contains("AddHealthService was called twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapHealthService_without_AddHealthService_is_refused_with_a_message_that_says_so()
    {
        await using var app = Builder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapHealthService());

        Assert.Contains("MapHealthService needs AddHealthService", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_made_in_code_apply_over_the_Health_section_and_are_validated_at_start()
    {
        var builder = Builder();
        builder.AddHealthService(options => options.Timeout = TimeSpan.FromSeconds(9));
        await using var app = builder.Build();
        app.MapHealthService();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains("Health:Timeout must be greater than zero and no longer than Health:Interval", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> AnswerAsync(HttpClient client, string path, string expected)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        string answer;
        do
        {
            var response = await client.GetAsync(path, Ct);
            answer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
            if (answer == expected)
            {
                break;
            }

            await Task.Delay(20, Ct);
        }
        while (limit.Elapsed < TimeSpan.FromSeconds(10));

        return answer;
    }

    private sealed class TagMarker;
}
