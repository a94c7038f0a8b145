using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// An application of a user's own that references the library: a production host on an in-memory server, with the
/// test settings (short interval, resource probes off) and nothing from the standalone service's appsettings.json.
/// </summary>
public static class LibraryApp
{
    // An empty content root: the test folder holds the service's appsettings.json, which a user's app does not have.
    private static readonly Lazy<string> EmptyContentRoot = new(() => Directory.CreateTempSubdirectory("library-app-").FullName);

    public static WebApplicationBuilder Builder()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = EmptyContentRoot.Value });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(HealthServiceFactory.DefaultSettings);
        return builder;
    }

    /// <summary>Asks <paramref name="path"/> until it answers <paramref name="status"/>; fails after 10 s.</summary>
    public static async Task<HttpResponseMessage> WaitForAsync(HttpClient client, string path, System.Net.HttpStatusCode status)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            if (response.StatusCode == status)
            {
                return response;
            }

            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), $"{path} answered {(int)response.StatusCode}, not {(int)status}, for 10 s.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
