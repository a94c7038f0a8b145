using System.Globalization;

namespace HealthService.Probes.Resources;

/// <summary>
/// Reads the limits a container runtime puts on this process from the cgroup file system, v2 (unified) or v1.
/// The roots are parameters so that tests can point it at sample files.
/// </summary>
internal sealed class CgroupReader(string procRoot, string cgroupRoot)
{
    // cgroup v1 reports "no limit" as a huge page-aligned number; anything this large is no real limit.
    private const long UnlimitedThreshold = long.MaxValue / 2;

    public static CgroupReader ForThisProcess() => new("/proc", "/sys/fs/cgroup");

    public CgroupVersion Version => File.Exists(Path.Combine(cgroupRoot, "cgroup.controllers"))
        ? CgroupVersion.V2
        : Directory.Exists(Path.Combine(cgroupRoot, "memory")) || Directory.Exists(Path.Combine(cgroupRoot, "cpu"))
            ? CgroupVersion.V1
            : CgroupVersion.None;

    /// <summary>The memory limit in bytes, or null when there is none.</summary>
    public long? MemoryLimitBytes()
    {
        var text = Version switch
        {
            CgroupVersion.V2 => ReadControllerFile(null, "memory.max"),
            CgroupVersion.V1 => ReadControllerFile("memory", "memory.limit_in_bytes"),
            _ => null,
        };
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is > 0 and < UnlimitedThreshold
            ? limit
            : null; // "max", missing, or unlimited
    }

    /// <summary>The CPU quota in cores (quota over period), or null when there is none.</summary>
    public double? CpuLimitCores()
    {
        long quota, period;
        switch (Version)
        {
            case CgroupVersion.V2:
                // "max 100000" or "150000 100000"
                var parts = ReadControllerFile(null, "cpu.max")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts is not { Length: 2 } || !TryParse(parts[0], out quota) || !TryParse(parts[1], out period))
                {
                    return null;
                }

                break;
            case CgroupVersion.V1:
                // cfs_quota_us is -1 without a limit, which does not parse as NumberStyles.None.
                if (!TryParse(ReadControllerFile("cpu", "cpu.cfs_quota_us"), out quota)
                    || !TryParse(ReadControllerFile("cpu", "cpu.cfs_period_us"), out period))
                {
                    return null;
                }

                break;
            default:
                return null;
        }

        return quota > 0 && period > 0 ? (double)quota / period : null;
    }

    /// <summary>CPU time used by every process in this cgroup, or null when it cannot be read.</summary>
    public TimeSpan? CpuUsage()
    {
        switch (Version)
        {
            case CgroupVersion.V2:
                // cpu.stat: "usage_usec 123456" among other lines.
                var stat = ReadControllerFile(null, "cpu.stat");
                foreach (var line in stat?.Split('\n') ?? [])
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields is ["usage_usec", var usec] && TryParse(usec, out var micros))
                    {
                        return TimeSpan.FromMicroseconds(micros);
                    }
                }

                return null;
            case CgroupVersion.V1:
                return TryParse(ReadControllerFile("cpuacct", "cpuacct.usage"), out var nanos)
                    ? TimeSpan.FromTicks(nanos / 100)
                    : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Memory charged to this cgroup, less its inactive file cache, or null when it cannot be read: every process in
    /// the cgroup and the page cache they use, except the cache the kernel reclaims before it OOM-kills anything. This
    /// is the figure container runtimes report (<c>docker stats</c>, the kubelet's working set).
    /// </summary>
    public long? MemoryWorkingSetBytes()
    {
        // v1's memory.stat has both inactive_file (this cgroup alone) and total_inactive_file (with its children,
        // as usage_in_bytes counts them); v2's inactive_file is already hierarchical.
        var (usage, stat, inactiveField) = Version switch
        {
            CgroupVersion.V2 => (ReadControllerFile(null, "memory.current"), ReadControllerFile(null, "memory.stat"), "inactive_file"),
            CgroupVersion.V1 => (ReadControllerFile("memory", "memory.usage_in_bytes"), ReadControllerFile("memory", "memory.stat"), "total_inactive_file"),
            _ => (null, null, ""),
        };
        if (!TryParse(usage, out var used))
        {
            return null;
        }

        // Without the statistic, the whole usage: it overstates, which errs towards warning early.
        var inactive = Field(stat, inactiveField) ?? 0;
        return Math.Max(used - inactive, 0);
    }

    /// <summary>Physical memory from /proc/meminfo (MemTotal), or null when it cannot be read.</summary>
    public long? PhysicalMemoryBytes() => MeminfoBytes("MemTotal:");

    /// <summary>
    /// The kernel's estimate of memory available to new allocations without swapping (/proc/meminfo MemAvailable, Linux
    /// 3.14 and later): free memory plus the page cache and slab it can reclaim. Null when it cannot be read.
    /// </summary>
    public long? AvailableMemoryBytes() => MeminfoBytes("MemAvailable:");

    private long? MeminfoBytes(string field)
    {
        var meminfo = ReadFile(Path.Combine(procRoot, "meminfo"));
        foreach (var line in meminfo?.Split('\n') ?? [])
        {
            // "MemTotal:       24589616 kB"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3 && fields[0] == field && fields[2] == "kB" && TryParse(fields[1], out var value))
            {
                return value * 1024;
            }
        }

        return null;
    }

    /// <summary>The value of <paramref name="name"/> in a "name value" per line file such as memory.stat.</summary>
    private static long? Field(string? text, string name)
    {
        foreach (var line in text?.Split('\n') ?? [])
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 2 && fields[0] == name && TryParse(fields[1], out var value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads a controller file for this process's cgroup. /proc/self/cgroup names the cgroup's path; inside a
    /// container that path is often the host's, while the container sees its own cgroup at the mount root, so
    /// the root is the fallback.
    /// </summary>
    private string? ReadControllerFile(string? v1Controller, string file)
    {
        var mount = v1Controller is null ? cgroupRoot : Path.Combine(cgroupRoot, v1Controller);
        var relative = OwnCgroupPath(v1Controller);
        if (relative is not null)
        {
            var nested = ReadFile(Path.Combine(mount, relative.TrimStart('/'), file));
            if (nested is not null)
            {
                return nested;
            }
        }

        return ReadFile(Path.Combine(mount, file));
    }

    private string? OwnCgroupPath(string? v1Controller)
    {
        // v2: "0::/system.slice/app.service"; v1: "4:memory:/docker/abc" or "3:cpu,cpuacct:/docker/abc".
        foreach (var line in ReadFile(Path.Combine(procRoot, "self", "cgroup"))?.Split('\n') ?? [])
        {
            var fields = line.Split(':', 3);
            if (fields.Length != 3)
            {
                continue;
            }

            var matches = v1Controller is null
                ? fields[0] == "0" && fields[1].Length == 0
                : fields[1].Split(',').Contains(v1Controller, StringComparer.Ordinal);
            if (matches)
            {
                return fields[2].Trim();
            }
        }

        return null;
    }

    private static bool TryParse(string? text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static string? ReadFile(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

internal enum CgroupVersion
{
    None,
    V1,
    V2,
}
