using HealthService.Probes.Resources;

namespace HealthService.Configuration;

/// <summary>One probe set up in the <c>Health</c> section, with the settings every kind of probe shares.</summary>
/// <param name="Name">Its name in the pipeline (<c>memory</c>, <c>postgres:orders</c>, ...).</param>
/// <param name="Key">Its configuration key (<c>Health:Memory</c>, <c>Health:Postgres:orders</c>, ...).</param>
internal sealed record ConfiguredProbe(
    string Name,
    string Key,
    bool Enabled,
    bool Critical,
    TimeSpan? Timeout,
    TimeSpan? Interval,
    int FailuresBeforeUnhealthy,
    int SuccessesBeforeHealthy);

internal static class ConfiguredProbes
{
    /// <summary>The resource probes (enabled or not), then every configured database, HTTP API and command.</summary>
    public static IEnumerable<ConfiguredProbe> Of(HealthServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = options.SectionPath;
        yield return Resource("memory", $"{section}:Memory", options.Memory);
        yield return Resource("cpu", $"{section}:Cpu", options.Cpu);
        yield return Resource("disk", $"{section}:Disk", options.Disk);
        foreach (var (name, p) in options.Postgres)
        {
            yield return new($"postgres:{name}", $"{section}:Postgres:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.MySql)
        {
            yield return new($"mysql:{name}", $"{section}:MySql:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.Redis)
        {
            yield return new($"redis:{name}", $"{section}:Redis:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.Http)
        {
            yield return new($"http:{name}", $"{section}:Http:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.Command)
        {
            yield return new($"command:{name}", $"{section}:Command:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.Tcp)
        {
            yield return new($"tcp:{name}", $"{section}:Tcp:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.Tls)
        {
            yield return new($"tls:{name}", $"{section}:Tls:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }

        foreach (var (name, p) in options.Dns)
        {
            yield return new($"dns:{name}", $"{section}:Dns:{name}", true, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
        }
    }

    private static ConfiguredProbe Resource(string name, string key, ResourceProbeOptions p) =>
        new(name, key, p.Enabled, p.Critical, p.Timeout, p.Interval, p.FailuresBeforeUnhealthy, p.SuccessesBeforeHealthy);
}
