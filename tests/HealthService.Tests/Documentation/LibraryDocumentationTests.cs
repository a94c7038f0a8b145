using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace HealthService.Tests.Documentation;

/// <summary>docs/library.md names what <c>MapHealthService</c> really maps in a user's application.</summary>
public sealed class LibraryDocumentationTests
{
    [Fact]
    public async Task Every_endpoint_MapHealthService_maps_is_named_in_the_library_manual()
    {
        var builder = Infrastructure.LibraryApp.Builder();
        builder.AddHealthService();
        await using var app = builder.Build();
        app.MapHealthService();
        var manual = File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "docs", "library.md"));
        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Select(endpoint => endpoint.RoutePattern.RawText!)
            .ToList();
        var section = manual[manual.IndexOf("## The two lines", StringComparison.Ordinal)..manual.IndexOf("## What gets registered", StringComparison.Ordinal)];

        Assert.True(mapped.Count >= 4, $"MapHealthService mapped {mapped.Count} endpoints");
        Assert.All(mapped, path => Assert.True(section.Contains($"`{path}`", StringComparison.Ordinal),
            $"docs/library.md (The two lines) does not name `{path}`, which MapHealthService maps"));
    }
}
