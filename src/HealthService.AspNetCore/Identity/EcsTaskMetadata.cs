using System.Text.Json;

namespace HealthService.Identity;

/// <summary>
/// The ECS task metadata endpoint (version 4): <c>GET {ECS_CONTAINER_METADATA_URI_V4}/task</c> gives the task ARN,
/// the cluster and the availability zone. The id is the task id, the last segment of the ARN, which the ECS console,
/// CLI and logs (awslogs stream names) all show.
/// </summary>
internal static class EcsTaskMetadata
{
    public static async Task<(InstanceIdentity? Identity, string? Failure)> ReadAsync(HttpClient client, Uri endpoint, DiscoveryDeadline deadline, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, "task"));
        var answer = await MetadataRequest.SendAsync(client, request, deadline, stopping).ConfigureAwait(false);
        if (answer.Failure is not null)
        {
            return (null, answer.Failure);
        }

        string? taskArn, cluster, zone;
        try
        {
            using var document = JsonDocument.Parse(answer.Body!);
            var root = document.RootElement;
            taskArn = String(root, "TaskARN");
            cluster = String(root, "Cluster");
            zone = String(root, "AvailabilityZone");
        }
        catch (JsonException)
        {
            return (null, "unexpected answer (not JSON)");
        }

        var taskId = taskArn?[(taskArn.LastIndexOf('/') + 1)..];
        if (!MetadataRequest.IsPlainValue(taskArn) || !MetadataRequest.IsPlainValue(taskId))
        {
            return (null, "unexpected answer (no TaskARN)");
        }

        return (new InstanceIdentity(taskId!, InstanceIdentity.Ecs)
        {
            TaskArn = taskArn,
            Cluster = MetadataRequest.IsPlainValue(cluster) ? cluster : null,
            AvailabilityZone = MetadataRequest.IsPlainValue(zone) ? zone : null,
            Region = RegionOf(taskArn!),
            Platform = InstanceIdentity.Ecs,
        }, null);
    }

    /// <summary>The region field of an ARN (<c>arn:aws:ecs:eu-west-1:123456789012:task/...</c>).</summary>
    private static string? RegionOf(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length > 3 && parts[0] == "arn" && parts[3].Length > 0 ? parts[3] : null;
    }

    private static string? String(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
