namespace HealthService.Probes.Postgres;

/// <summary><c>Health:Postgres:&lt;name&gt;</c>: one PostgreSQL database this instance needs.</summary>
public sealed class PostgresProbeOptions
{
    /// <summary>An Npgsql connection string. Its password is never logged or shown.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>On by default: an instance that cannot reach its own database cannot serve.</summary>
    public bool Critical { get; set; } = true;

    public TimeSpan? Timeout { get; set; }

    public string Query { get; set; } = "SELECT 1";
}
