namespace HealthService.Endpoints;

/// <summary><c>Health:Maintenance</c>: who may take the instance out of rotation, other than the local listener.</summary>
public sealed class MaintenanceOptions
{
    /// <summary>
    /// When set (and <see cref="DetailsOptions.Enabled"/>), any caller that sends it in
    /// <see cref="DetailsOptions.ApiKeyHeader"/> may turn maintenance on and off (<c>PUT</c> and <c>DELETE
    /// /health/maintenance</c>) and read its state, but not the detailed view. Unset (the default): only callers on
    /// the local listener may. It must differ from <see cref="DetailsOptions.ApiKey"/>, which only reads.
    /// </summary>
    public string? ApiKey { get; set; }
}
