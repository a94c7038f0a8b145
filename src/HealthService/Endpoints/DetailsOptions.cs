namespace HealthService.Endpoints;

/// <summary><c>Health:Details</c>: who may read <c>/health/details</c>.</summary>
public sealed class DetailsOptions
{
    /// <summary>The request header that carries <see cref="ApiKey"/>.</summary>
    public const string ApiKeyHeader = "X-Health-Key";

    /// <summary>Off by default. On: loopback callers may read the view.</summary>
    public bool Enabled { get; set; }

    /// <summary>When set (and the view is enabled), remote callers that send it in <see cref="ApiKeyHeader"/> may read it too.</summary>
    public string? ApiKey { get; set; }
}
