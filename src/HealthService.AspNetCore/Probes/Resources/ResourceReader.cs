namespace HealthService.Probes.Resources;

/// <summary>Memory in use against the memory that may be used, and this process's own working set.</summary>
/// <param name="Source">
/// What was measured: <c>cgroup</c> (everything charged to the container's cgroup, less inactive file cache, against
/// its limit), <c>host</c> (the machine's memory in use, with no cgroup limit) or <c>process</c> (this process's working
/// set, when neither can be read).
/// </param>
/// <param name="ProcessBytes">This process's working set (resident set), whatever the source.</param>
internal readonly record struct MemoryReading(long UsedBytes, long LimitBytes, string Source, long ProcessBytes);

/// <summary>A cumulative CPU-time counter and the number of cores it is measured against.</summary>
/// <param name="Source"><c>cgroup</c> (the container's usage against its quota) or <c>process</c>.</param>
internal readonly record struct CpuReading(TimeSpan CpuTime, double CapacityCores, string Source);

/// <summary>Reads the resource figures the memory and CPU probes judge; tests substitute their own.</summary>
internal interface IResourceReader
{
    MemoryReading ReadMemory();

    CpuReading ReadCpu();
}

/// <summary>Reads this process's figures, container-aware through <see cref="CgroupReader"/>.</summary>
internal sealed class SystemResourceReader(CgroupReader cgroup) : IResourceReader
{
    /// <summary>
    /// Memory as the OOM killer counts it. Under a cgroup limit that is the whole cgroup (this service, the processes
    /// it starts, the container's health-check process, their page cache), not this process alone.
    /// </summary>
    public MemoryReading ReadMemory()
    {
        var process = Environment.WorkingSet;
        var memTotal = cgroup.PhysicalMemoryBytes();
        var physical = memTotal ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (cgroup.MemoryLimitBytes() is { } limit && limit < physical)
        {
            return cgroup.MemoryWorkingSetBytes() is { } charged
                ? new MemoryReading(charged, limit, "cgroup", process)
                : new MemoryReading(process, limit, "process", process);
        }

        // No cgroup limit: the OOM killer acts when the machine runs short, whoever uses the memory, so the machine is
        // what is measured: MemTotal - MemAvailable, which leaves out reclaimable cache as the cgroup figure leaves
        // out inactive file cache. This process alone would say nothing about how close the machine is.
        if (memTotal is { } total && cgroup.AvailableMemoryBytes() is { } available && available <= total)
        {
            return new MemoryReading(total - available, total, "host", process);
        }

        return new MemoryReading(process, physical, "process", process);
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
