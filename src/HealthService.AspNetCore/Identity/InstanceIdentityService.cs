using HealthService.Configuration;
using Microsoft.Extensions.Options;

namespace HealthService.Identity;

/// <summary>
/// Runs discovery once, in the background, when the host starts: <c>/health</c> is served meanwhile. The identity is
/// published whatever happens (found, the host name, or the host stopping first), so nothing that awaits
/// <see cref="InstanceIdentityProvider.Known"/> waits longer than the discovery deadline.
/// </summary>
internal sealed class InstanceIdentityService(
    InstanceIdentityProvider provider,
    InstanceIdentityDiscovery discovery,
    IdentityDiscoverySwitch discoverySwitch,
    IConfiguration configuration,
    IOptions<HealthServiceOptions> options,
    ILogger<InstanceIdentityService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // start-up goes on at once
        var configured = options.Value.Alerts.Instance;
        var identity = InstanceIdentityDiscovery.HostIdentity();
        IReadOnlyList<string> failures = [];
        try
        {
            if (discoverySwitch.Discover)
            {
                (identity, failures) = await discovery.DiscoverAsync(MetadataEndpoints.From(configuration), stoppingToken).ConfigureAwait(false);
            }
            else
            {
                failures = ["not asked: nothing configured names the instance (Health:Identity:Discovery)"];
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            failures = ["the host stopped first"];
        }
        finally
        {
            // The configured name wins; what discovery found still describes where the instance runs.
            if (!string.IsNullOrWhiteSpace(configured))
            {
                identity = identity with { Id = configured, Source = InstanceIdentity.Configured };
            }

            provider.Set(identity);
        }

        logger.InstanceIdentityKnown(identity.Id, identity.Source, failures.Count == 0 ? "none" : string.Join("; ", failures));
    }
}
