using HealthService.Probes.Resources;

namespace HealthService.Tests;

/// <summary>Sample cgroup trees as container runtimes lay them out, written to a temporary folder.</summary>
public sealed class CgroupReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgroup-sample-").FullName;

    private string Proc => Path.Combine(_root, "proc");

    private string Cgroup => Path.Combine(_root, "sys/fs/cgroup");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private CgroupReader Reader => new(Proc, Cgroup);

    [Fact]
    public void Reads_v2_memory_and_cpu_limits_at_the_container_root()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
        Write("sys/fs/cgroup/memory.max", "536870912\n");
        Write("sys/fs/cgroup/cpu.max", "150000 100000\n");
        Write("sys/fs/cgroup/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");

        Assert.Equal(CgroupVersion.V2, Reader.Version);
        Assert.Equal(536870912, Reader.MemoryLimitBytes());
        Assert.Equal(1.5, Reader.CpuLimitCores());
        Assert.Equal(TimeSpan.FromSeconds(2.5), Reader.CpuUsage());
    }

    [Fact]
    public void Reads_v2_limits_of_a_nested_cgroup_named_in_proc_self_cgroup()
    {
        Write("proc/self/cgroup", "0::/system.slice/app.service\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        Write("sys/fs/cgroup/memory.max", "max\n");
        Write("sys/fs/cgroup/system.slice/app.service/memory.max", "1073741824\n");
        Write("sys/fs/cgroup/system.slice/app.service/cpu.max", "200000 100000\n");
        Write("sys/fs/cgroup/system.slice/app.service/memory.current", "734003200\n");
        Write("sys/fs/cgroup/system.slice/app.service/memory.stat", "anon 629145600\nfile 104857600\nactive_file 73400320\ninactive_file 31457280\n");

        Assert.Equal(1073741824, Reader.MemoryLimitBytes());
        Assert.Equal(2.0, Reader.CpuLimitCores());
        Assert.Equal(734003200 - 31457280, Reader.MemoryWorkingSetBytes());
    }

    [Fact]
    public void Reports_no_limit_for_v2_max()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        Write("sys/fs/cgroup/memory.max", "max\n");
        Write("sys/fs/cgroup/cpu.max", "max 100000\n");

        Assert.Null(Reader.MemoryLimitBytes());
        Assert.Null(Reader.CpuLimitCores());
    }

    [Fact]
    public void Reads_v1_memory_and_cpu_limits()
    {
        Write("proc/self/cgroup", "12:memory:/docker/0123abc\n4:cpu,cpuacct:/docker/0123abc\n1:name=systemd:/docker/0123abc\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n");
        Write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "50000\n");
        Write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
        Write("sys/fs/cgroup/cpuacct/cpuacct.usage", "3000000000\n");

        Assert.Equal(CgroupVersion.V1, Reader.Version);
        Assert.Equal(268435456, Reader.MemoryLimitBytes());
        Assert.Equal(0.5, Reader.CpuLimitCores());
        Assert.Equal(TimeSpan.FromSeconds(3), Reader.CpuUsage());
    }

    [Fact]
    public void Reports_no_limit_for_v1_unlimited_values()
    {
        Write("proc/self/cgroup", "12:memory:/\n4:cpu,cpuacct:/\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        Write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
        Write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");

        Assert.Null(Reader.MemoryLimitBytes());
        Assert.Null(Reader.CpuLimitCores());
    }

    [Fact]
    public void Reports_nothing_without_a_cgroup_file_system_and_reads_physical_memory()
    {
        Write("proc/meminfo", "MemTotal:       24589616 kB\nMemFree:        1000 kB\n");

        Assert.Equal(CgroupVersion.None, Reader.Version);
        Assert.Null(Reader.MemoryLimitBytes());
        Assert.Null(Reader.CpuLimitCores());
        Assert.Null(Reader.CpuUsage());
        Assert.Null(Reader.MemoryWorkingSetBytes());
        Assert.Equal(24589616L * 1024, Reader.PhysicalMemoryBytes());
        Assert.Null(Reader.AvailableMemoryBytes());
    }

    [Fact]
    public void Memory_is_judged_against_the_cgroup_limit_when_it_is_below_physical_memory()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/meminfo", "MemTotal:       24589616 kB\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/memory.max", "536870912\n");
        Write("sys/fs/cgroup/memory.current", "300000000\n");
        Write("sys/fs/cgroup/memory.stat", "inactive_file 100000000\n");

        var reading = new SystemResourceReader(Reader).ReadMemory();

        Assert.Equal(536870912, reading.LimitBytes);
        Assert.Equal(200000000, reading.UsedBytes);
        Assert.Equal("cgroup", reading.Source);
        Assert.Equal(Environment.WorkingSet, reading.ProcessBytes, tolerance: 64 * 1024 * 1024);
    }

    [Fact]
    public void Memory_falls_back_to_this_process_when_neither_the_cgroup_usage_nor_the_host_figures_can_be_read()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/meminfo", "MemTotal:       24589616 kB\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/memory.max", "max\n");

        var reading = new SystemResourceReader(Reader).ReadMemory();

        Assert.Equal("process", reading.Source);
        Assert.Equal(24589616L * 1024, reading.LimitBytes);
        Assert.Equal(reading.ProcessBytes, reading.UsedBytes);
        Assert.Equal(Environment.WorkingSet, reading.ProcessBytes, tolerance: 64 * 1024 * 1024);
    }

    [Fact]
    public void Cpu_is_judged_against_the_cgroup_quota_with_the_cgroup_counter()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu\n");
        Write("sys/fs/cgroup/cpu.max", "50000 100000\n");
        Write("sys/fs/cgroup/cpu.stat", "usage_usec 7000000\n");

        var reading = new SystemResourceReader(Reader).ReadCpu();

        Assert.Equal(new CpuReading(TimeSpan.FromSeconds(7), 0.5, "cgroup"), reading);
    }

    [Fact]
    public void Cpu_falls_back_to_this_process_against_the_cores_available()
    {
        var reading = new SystemResourceReader(Reader).ReadCpu();

        Assert.Equal("process", reading.Source);
        Assert.Equal(Environment.ProcessorCount, reading.CapacityCores);
        Assert.True(reading.CpuTime > TimeSpan.Zero);
    }
}
