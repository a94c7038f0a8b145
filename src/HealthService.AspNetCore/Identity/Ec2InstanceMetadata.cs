namespace HealthService.Identity;

/// <summary>
/// The EC2 instance metadata service, version 2 only: a session token from <c>PUT /latest/api/token</c>, then the
/// instance id, availability zone and region, each a <c>GET</c> carrying the token. The token lives in this method
/// alone and is never logged.
/// </summary>
internal static class Ec2InstanceMetadata
{
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    public const string TokenHeader = "X-aws-ec2-metadata-token";

    /// <summary>The usual six hours; the token is used for three requests within a second or two.</summary>
    public const string TokenTtlSeconds = "21600";

    public static async Task<(InstanceIdentity? Identity, string? Failure)> ReadAsync(HttpClient client, Uri endpoint, DiscoveryDeadline deadline, CancellationToken stopping)
    {
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, new Uri(endpoint, "latest/api/token"));
        tokenRequest.Headers.TryAddWithoutValidation(TokenTtlHeader, TokenTtlSeconds);
        var token = await MetadataRequest.SendAsync(client, tokenRequest, deadline, stopping).ConfigureAwait(false);
        if (token.Failure is not null || !MetadataRequest.IsPlainValue(token.Body?.Trim()))
        {
            return (null, token.Failure is null ? "unexpected answer (token)" : $"token: {token.Failure}");
        }

        var (instanceId, failure) = await GetAsync(client, endpoint, "latest/meta-data/instance-id", token.Body!.Trim(), deadline, stopping).ConfigureAwait(false);
        if (instanceId is null)
        {
            return (null, $"instance-id: {failure}");
        }

        // The placement is a detail: an instance id without it is still an identity.
        var (zone, _) = await GetAsync(client, endpoint, "latest/meta-data/placement/availability-zone", token.Body.Trim(), deadline, stopping).ConfigureAwait(false);
        var (region, _) = await GetAsync(client, endpoint, "latest/meta-data/placement/region", token.Body.Trim(), deadline, stopping).ConfigureAwait(false);
        return (new InstanceIdentity(instanceId, InstanceIdentity.Ec2)
        {
            AvailabilityZone = zone,
            Region = region,
            Platform = InstanceIdentity.Ec2,
        }, null);
    }

    private static async Task<(string? Value, string? Failure)> GetAsync(HttpClient client, Uri endpoint, string path, string token, DiscoveryDeadline deadline, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, path));
        request.Headers.TryAddWithoutValidation(TokenHeader, token);
        var answer = await MetadataRequest.SendAsync(client, request, deadline, stopping).ConfigureAwait(false);
        var value = answer.Body?.Trim();
        return answer.Failure is not null ? (null, answer.Failure)
            : MetadataRequest.IsPlainValue(value) ? (value, null)
            : (null, "unexpected answer");
    }
}
