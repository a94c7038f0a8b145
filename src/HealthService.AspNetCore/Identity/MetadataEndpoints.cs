namespace HealthService.Identity;

/// <summary>
/// Where the metadata services are, from the variables the AWS agents and SDKs use. They are read from
/// <see cref="IConfiguration"/>, which holds the environment variables, so that a test host can point them at
/// loopback fakes without changing the process environment.
/// </summary>
/// <param name="EcsTaskMetadata">The ECS task metadata endpoint (version 4), or null when not on ECS.</param>
/// <param name="Ec2Metadata">The EC2 instance metadata service, or null when it is disabled.</param>
internal sealed record MetadataEndpoints(Uri? EcsTaskMetadata, Uri? Ec2Metadata)
{
    /// <summary>Set by the ECS agent in every container of a task.</summary>
    public const string EcsVariable = "ECS_CONTAINER_METADATA_URI_V4";

    /// <summary>The AWS SDKs' override of the instance metadata endpoint.</summary>
    public const string Ec2EndpointVariable = "AWS_EC2_METADATA_SERVICE_ENDPOINT";

    /// <summary>The AWS SDKs' switch that turns instance metadata off (<c>true</c>).</summary>
    public const string Ec2DisabledVariable = "AWS_EC2_METADATA_DISABLED";

    public static readonly Uri DefaultEc2 = new("http://169.254.169.254/");

    public static MetadataEndpoints From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var ecs = HttpUri(configuration[EcsVariable]);
        Uri? ec2 = null;
        if (!string.Equals(configuration[Ec2DisabledVariable]?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            var configured = configuration[Ec2EndpointVariable];
            ec2 = string.IsNullOrWhiteSpace(configured) ? DefaultEc2 : HttpUri(configured);
        }

        return new MetadataEndpoints(ecs, ec2);
    }

    /// <summary>An absolute http(s) URI ending in '/', so that relative paths append to it; null when unset or malformed.</summary>
    private static Uri? HttpUri(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)
            || !Uri.TryCreate(value.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        return uri;
    }
}
