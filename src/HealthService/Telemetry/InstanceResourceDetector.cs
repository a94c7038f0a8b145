using HealthService.Identity;
using OpenTelemetry.Resources;

namespace HealthService.Telemetry;

/// <summary>
/// The instance identity as OpenTelemetry resource attributes (semantic conventions): <c>service.instance.id</c>
/// always, and on AWS <c>cloud.provider</c>, <c>cloud.platform</c>, <c>cloud.availability_zone</c>,
/// <c>cloud.region</c>, <c>host.id</c> (EC2), <c>aws.ecs.task.arn</c>, <c>aws.ecs.task.id</c> and
/// <c>aws.ecs.cluster.arn</c> (ECS). Empty while the identity is unknown (see <see cref="DeferredTelemetryStart"/>).
/// </summary>
internal sealed class InstanceResourceDetector(InstanceIdentityProvider provider) : IResourceDetector
{
    public Resource Detect() => provider.Current is { } identity ? new Resource(Attributes(identity)) : Resource.Empty;

    internal static Dictionary<string, object> Attributes(InstanceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal) { ["service.instance.id"] = identity.Id };
        if (identity.Platform is null)
        {
            return attributes;
        }

        attributes["cloud.provider"] = "aws";
        attributes["cloud.platform"] = identity.Platform == InstanceIdentity.Ecs ? "aws_ecs" : "aws_ec2";
        Add(attributes, "cloud.availability_zone", identity.AvailabilityZone);
        Add(attributes, "cloud.region", identity.Region);
        if (identity.Platform == InstanceIdentity.Ec2 && identity.Source == InstanceIdentity.Ec2)
        {
            attributes["host.id"] = identity.Id;
        }

        if (identity.TaskArn is { } taskArn)
        {
            attributes["aws.ecs.task.arn"] = taskArn;
            attributes["aws.ecs.task.id"] = taskArn[(taskArn.LastIndexOf('/') + 1)..];
            Add(attributes, "aws.ecs.cluster.arn", ClusterArn(identity.Cluster, taskArn));
        }

        return attributes;
    }

    /// <summary>The cluster's ARN: as the task metadata gives it, or built from its name and the task's ARN.</summary>
    private static string? ClusterArn(string? cluster, string taskArn)
    {
        if (cluster is null || cluster.StartsWith("arn:", StringComparison.Ordinal))
        {
            return cluster;
        }

        var task = taskArn.IndexOf(":task/", StringComparison.Ordinal);
        return task > 0 ? $"{taskArn[..task]}:cluster/{cluster}" : null;
    }

    private static void Add(Dictionary<string, object> attributes, string key, string? value)
    {
        if (value is not null)
        {
            attributes[key] = value;
        }
    }
}
