using System.Reflection;
using System.Runtime.CompilerServices;
using HealthService.Configuration;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthService.Tests.Library;

/// <summary>
/// What an application may use, and what the standalone service uses: the same public API (the surface itself is
/// recorded in src/HealthService.AspNetCore/PublicAPI.*.txt and checked by the build).
/// </summary>
public sealed class PublicApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_readiness_verdict_is_public_says_what_health_answers_and_tells_when_it_changes()
    {
        var builder = LibraryApp.Builder();
        var check = new ControllableHealthCheck();
        builder.AddHealthService().AddCheck("orders", check);
        await using var app = builder.Build();
        app.MapHealthService();
        await app.StartAsync(Ct);
        var client = app.GetTestClient();
        var readiness = app.Services.GetRequiredService<HealthReadiness>();
        await LibraryApp.WaitForAsync(client, "/health", System.Net.HttpStatusCode.OK);
        Assert.Equal((Readiness.Ok, "OK"), (readiness.Current, readiness.CurrentWord));

        var changed = readiness.WaitForChangeAsync(Readiness.Ok, Ct);
        check.Mode = ProbeMode.Unhealthy;

        Assert.Equal(Readiness.Unhealthy, await changed.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal("Unhealthy", readiness.CurrentWord);
        var health = await client.GetAsync("/health", Ct); // the same decision: already changed
        Assert.Equal((System.Net.HttpStatusCode.ServiceUnavailable, "Unhealthy"), (health.StatusCode, await health.Content.ReadAsStringAsync(Ct)));
        await app.StopAsync(Ct);
    }

    [Fact]
    public void The_standalone_service_is_given_no_access_to_the_librarys_internals()
    {
        var friends = typeof(HealthReadiness).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName);

        Assert.DoesNotContain("HealthService", friends);
    }

    [Fact]
    public void Unknown_key_detection_knows_every_options_class_under_the_section()
    {
        // Walked by reflection here (tests are not trimmed); the library lists them by name so that trimming keeps them.
        var reachable = new HashSet<Type>();
        var pending = new Queue<Type>([typeof(HealthServiceOptions)]);
        while (pending.TryDequeue(out var type))
        {
            if (!reachable.Add(type))
            {
                continue;
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var candidate = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>)
                    ? property.PropertyType.GetGenericArguments()[1]
                    : property.PropertyType;
                if (candidate.IsClass && candidate != typeof(string) && !candidate.IsArray && candidate.Namespace?.StartsWith("HealthService", StringComparison.Ordinal) == true)
                {
                    pending.Enqueue(candidate);
                }
            }
        }

        Assert.Equal(reachable.Select(t => t.FullName).Order(), UnknownSettings.OptionsTypes.Keys.Select(t => t.FullName).Order());
    }
}
