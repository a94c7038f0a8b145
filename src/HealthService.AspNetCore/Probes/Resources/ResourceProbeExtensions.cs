using HealthService.Configuration;
using HealthService.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthService.Probes.Resources;

/// <summary>Registers the memory, CPU and disk probes.</summary>
internal static class ResourceProbeExtensions
{
    /// <summary>Adds each resource probe that <c>Health:Memory</c>, <c>Health:Cpu</c> and <c>Health:Disk</c> enable.</summary>
    public static IHealthChecksBuilder AddResourceProbes(this IHealthChecksBuilder builder, HealthServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Memory.Enabled)
        {
            builder.AddMemoryProbe(tags: HealthTags.For(options.Memory.Critical), timeout: options.Memory.Timeout);
        }

        if (options.Cpu.Enabled)
        {
            builder.AddCpuProbe(tags: HealthTags.For(options.Cpu.Critical), timeout: options.Cpu.Timeout);
        }

        if (options.Disk.Enabled)
        {
            builder.AddDiskSpaceProbe(tags: HealthTags.For(options.Disk.Critical), timeout: options.Disk.Timeout);
        }

        return builder;
    }

    // The checks are singletons (keyed by probe name) because hysteresis and the CPU baseline are state
    // carried from one round to the next.
    public static IHealthChecksBuilder AddMemoryProbe(this IHealthChecksBuilder builder, string name = "memory",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddResourceReader(builder.Services);
        builder.Services.AddKeyedSingleton(name, (sp, _) =>
            new MemoryHealthCheck(Health(sp).Memory, sp.GetRequiredService<IResourceReader>()));
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredKeyedService<MemoryHealthCheck>(name), failureStatus, tags, timeout));
    }

    public static IHealthChecksBuilder AddCpuProbe(this IHealthChecksBuilder builder, string name = "cpu",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddResourceReader(builder.Services);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(name, (sp, _) =>
            new CpuHealthCheck(Health(sp).Cpu, sp.GetRequiredService<IResourceReader>(), sp.GetRequiredService<TimeProvider>()));
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredKeyedService<CpuHealthCheck>(name), failureStatus, tags, timeout));
    }

    public static IHealthChecksBuilder AddDiskSpaceProbe(this IHealthChecksBuilder builder, string name = "disk",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton(name, (sp, _) => new DiskSpaceHealthCheck(Health(sp).Disk));
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredKeyedService<DiskSpaceHealthCheck>(name), failureStatus, tags, timeout));
    }

    private static HealthServiceOptions Health(IServiceProvider services) => services.GetRequiredService<IOptions<HealthServiceOptions>>().Value;

    private static void AddResourceReader(IServiceCollection services) =>
        services.TryAddSingleton<IResourceReader>(_ => new SystemResourceReader(CgroupReader.ForThisProcess()));
}
