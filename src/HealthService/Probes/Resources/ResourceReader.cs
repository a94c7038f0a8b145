namespace HealthService.Probes.Resources;

/// <summary>Memory in use by this process against the memory it may use.</summary>
/// <param name="Source">Where the limit came from: <c>cgroup</c> or <c>physical</c>.</param>
public readonly record struct MemoryReading(long UsedBytes, long LimitBytes, string Source);

/// <summary>A cumulative CPU-time counter and the number of cores it is measured against.</summary>
/// <param name="Source"><c>cgroup</c> (the container's usage against its quota) or <c>process</c>.</param>
public readonly record struct CpuReading(TimeSpan CpuTime, double CapacityCores, string Source);

/// <summary>Reads the resource figures the memory and CPU probes judge; tests substitute their own.</summary>
public interface IResourceReader
{
    MemoryReading ReadMemory();

    CpuReading ReadCpu();
}

/// <summary>Reads this process's figures, container-aware through <see cref="CgroupReader"/>.</summary>
public sealed class SystemResourceReader(CgroupReader cgroup) : IResourceReader
{
    public MemoryReading ReadMemory()
    {
        var used = Environment.WorkingSet;
        var physical = cgroup.PhysicalMemoryBytes() ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return cgroup.MemoryLimitBytes() is { } limit && limit < physical
            ? new MemoryReading(used, limit, "cgroup")
            : new MemoryReading(used, physical, "physical");
    }

    public CpuReading ReadCpu()
    {
        // With a quota, the container's own counter is what the quota throttles; without one, this process
        // against the cores it may run on (Environment.ProcessorCount honours affinity).
        if (cgroup.CpuLimitCores() is { } quota && cgroup.CpuUsage() is { } usage)
        {
            return new CpuReading(usage, Math.Min(quota, Environment.ProcessorCount), "cgroup");
        }

        return new CpuReading(Environment.CpuUsage.TotalTime, Environment.ProcessorCount, "process");
    }
}
