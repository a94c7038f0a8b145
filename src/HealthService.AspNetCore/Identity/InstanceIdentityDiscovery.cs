namespace HealthService.Identity;

/// <summary>
/// Finds the identity: the ECS task metadata first (a container on EC2 also reaches the instance metadata, but the
/// task is what was replaced or failed), then the EC2 instance metadata, else the host name. Each request has
/// <see cref="RequestTimeout"/> and the whole search <see cref="TotalTimeout"/>, so a metadata service that hangs
/// costs a few seconds of background work once, never more.
/// </summary>
internal sealed class InstanceIdentityDiscovery(IHttpClientFactory clients, TimeProvider time)
{
    public const string ClientName = "health-identity";
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(2);

    /// <returns>The identity, and for each source that was tried and gave none, why (<c>ec2: token: status 401</c>).</returns>
    public async Task<(InstanceIdentity Identity, IReadOnlyList<string> Failures)> DiscoverAsync(MetadataEndpoints endpoints, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var failures = new List<string>();
        var client = clients.CreateClient(ClientName);
        var deadline = new DiscoveryDeadline(time, RequestTimeout, TotalTimeout);
        var sources = new (string Name, Uri? Endpoint, Func<Uri, Task<(InstanceIdentity?, string?)>> Read)[]
        {
            (InstanceIdentity.Ecs, endpoints.EcsTaskMetadata, uri => EcsTaskMetadata.ReadAsync(client, uri, deadline, stopping)),
            (InstanceIdentity.Ec2, endpoints.Ec2Metadata, uri => Ec2InstanceMetadata.ReadAsync(client, uri, deadline, stopping)),
        };

        foreach (var (name, endpoint, read) in sources)
        {
            if (endpoint is null)
            {
                continue;
            }

            if (deadline.Remaining <= TimeSpan.Zero)
            {
                failures.Add($"{name}: not tried, the {TotalTimeout.TotalSeconds:0.###} s deadline had passed");
                continue;
            }

            var (identity, failure) = await read(endpoint).ConfigureAwait(false);
            if (identity is not null)
            {
                return (identity, failures);
            }

            failures.Add($"{name}: {failure}");
        }

        return (HostIdentity(), failures);
    }

    public static InstanceIdentity HostIdentity() => new(Environment.MachineName, InstanceIdentity.Host);
}
