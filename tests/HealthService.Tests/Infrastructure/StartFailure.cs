using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// What stops a host with the service's pipeline from starting, observed by starting that host directly.
/// </summary>
/// <remarks>
/// <see cref="HealthServiceFactory"/> cannot observe a start that fails: <c>WebApplicationFactory</c> runs
/// <c>Program</c> on a thread of its own, and when the host fails to start, the entry point disposes it while the
/// factory is still reaching into its services, so the test sees an <see cref="ObjectDisposedException"/> or the
/// real error depending on which thread runs first. Here the test owns the host and awaits its
/// <see cref="IHost.StartAsync"/>: one thread, one outcome.
/// </remarks>
public static class StartFailure
{
    /// <summary>
    /// Builds a host with the <see cref="HealthServiceFactory"/> settings, <paramref name="settings"/> over them,
    /// <c>AddHealthService()</c> and <c>MapHealthService()</c>, lets <paramref name="configure"/> add to it after
    /// <c>AddHealthService</c> (checks, services, late configuration), and returns the validation failure its start
    /// throws; fails the test if it starts.
    /// </summary>
    public static async Task<OptionsValidationException> OfAsync(
        Action<WebApplicationBuilder, IHealthChecksBuilder> configure, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(HealthServiceFactory.DefaultSettings);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        configure(builder, builder.AddHealthService());
        await using var app = builder.Build();
        app.MapHealthService();

        var error = await Record.ExceptionAsync(() => app.StartAsync(TestContext.Current.CancellationToken));

        if (error is null)
        {
            await app.StopAsync(TestContext.Current.CancellationToken);
        }

        return error as OptionsValidationException
            ?? throw new Xunit.Sdk.XunitException($"Expected the start to fail with an options validation error, got {error?.ToString() ?? "a started host"}");
    }
}
