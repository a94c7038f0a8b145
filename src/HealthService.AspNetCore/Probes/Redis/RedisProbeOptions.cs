namespace HealthService.Probes.Redis;

/// <summary><c>Health:Redis:&lt;name&gt;</c>: one Redis server (or ElastiCache / MemoryDB endpoint) this instance needs.</summary>
public sealed class RedisProbeOptions
{
    /// <summary>A StackExchange.Redis configuration string (<c>host:port,password=...,ssl=true</c>). Its password is never logged or shown.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>On by default: an instance that cannot reach its own cache or session store cannot serve.</summary>
    public bool Critical { get; set; } = true;

    /// <summary>This probe's deadline; unset means <c>Health:Timeout</c>. Connect and command timeouts never exceed it.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// How often this probe runs, when less often than every round: at least <c>Health:Interval</c>, at most 1 hour.
    /// Unset: every round. Its result's staleness bound grows with it.
    /// </summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Consecutive failed results before the probe reports Unhealthy (1-10; 1: at once). Rides out a single blip.</summary>
    public int FailuresBeforeUnhealthy { get; set; } = 1;

    /// <summary>Consecutive good results before a failed probe reports healthy again (1-10; 1: at once).</summary>
    public int SuccessesBeforeHealthy { get; set; } = 1;
}
