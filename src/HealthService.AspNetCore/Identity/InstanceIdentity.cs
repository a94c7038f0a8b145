using System.Text.Json.Serialization;

namespace HealthService.Identity;

/// <summary>
/// Which copy of the service this is: what alerts, the detailed view, logs and metrics name it by. Discovered once at
/// start from the ECS task metadata or EC2 instance metadata, else the host name; <c>Health:Alerts:Instance</c>,
/// when set, overrides the <see cref="Id"/>.
/// </summary>
/// <param name="Id">The ECS task id, the EC2 instance id, the configured <c>Health:Alerts:Instance</c>, or the host name.</param>
/// <param name="Source">Where <see cref="Id"/> came from: <c>ecs</c>, <c>ec2</c>, <c>configured</c> or <c>host</c>.</param>
public sealed record InstanceIdentity(string Id, string Source)
{
    /// <summary>The identity read from the ECS task metadata endpoint.</summary>
    public const string Ecs = "ecs";

    /// <summary>The identity read from the EC2 instance metadata service.</summary>
    public const string Ec2 = "ec2";

    /// <summary>The identity set in <c>Health:Alerts:Instance</c>.</summary>
    public const string Configured = "configured";

    /// <summary>The machine's host name: neither metadata service answered.</summary>
    public const string Host = "host";

    /// <summary>The availability zone, e.g. <c>eu-west-1a</c>, when known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AvailabilityZone { get; init; }

    /// <summary>The region, e.g. <c>eu-west-1</c>, when known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Region { get; init; }

    /// <summary>The ECS cluster (its ARN, or its name), on ECS.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cluster { get; init; }

    /// <summary>The ECS task ARN, on ECS.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TaskArn { get; init; }

    /// <summary>Where the details came from (<c>ecs</c>, <c>ec2</c>), also when the id is configured; null off AWS.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Platform { get; init; }
}
