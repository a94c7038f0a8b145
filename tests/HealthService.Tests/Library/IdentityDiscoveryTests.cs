using HealthService.Identity;
using HealthService.Tests.Identity;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Library;

/// <summary>
/// The library asks the cloud's metadata services who this instance is only when something it was configured to do
/// names the instance (alerts, CloudWatch EMF), or when told to: on other clouds the same address answers too.
/// </summary>
public sealed class IdentityDiscoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, false, false, false)] // nothing uses it: no request
    [InlineData(null, true, false, true)] // alerts name the instance
    [InlineData(null, false, true, true)] // so do CloudWatch EMF documents
    [InlineData("On", false, false, true)] // asked for, for the application's own use
    [InlineData("Off", true, true, false)] // refused, whatever uses it
    public async Task Metadata_is_asked_only_when_alerts_EMF_or_the_setting_use_it(string? discovery, bool alerts, bool emf, bool asked)
    {
        await using var ecs = await FakeMetadataServer.StartAsync(context =>
            FakeMetadataServer.Answer(context, 200, """{"TaskARN":"arn:aws:ecs:eu-west-1:123456789012:task/c/0123456789abcdef","Cluster":"c","AvailabilityZone":"eu-west-1a"}"""));
        await using var receiver = StubHttpServer.Start();
        // An application of its own: not the standalone service's appsettings.json, which ships Discovery=On.
        var builder = LibraryApp.Builder();
        builder.Configuration["ECS_CONTAINER_METADATA_URI_V4"] = ecs.Url("/v4/container").ToString();
        var settings = new Dictionary<string, string?>();
        if (discovery is not null)
        {
            settings["Health:Identity:Discovery"] = discovery;
        }

        if (alerts)
        {
            settings["Health:Alerts:Webhooks:team:Url"] = receiver.Url("/hook").ToString();
        }

        if (emf)
        {
            settings["Health:Metrics:CloudWatch:Enabled"] = "true";
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddHealthService();
        await using var app = builder.Build();
        app.MapHealthService();
        await app.StartAsync(Ct);

        var identity = await app.Services.GetRequiredService<InstanceIdentityProvider>().Known.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await app.StopAsync(Ct);

        Assert.Equal(asked, ecs.Requests.Count > 0);
        Assert.Equal(asked ? ("0123456789abcdef", InstanceIdentity.Ecs) : (Environment.MachineName, InstanceIdentity.Host), (identity.Id, identity.Source));
    }
}
