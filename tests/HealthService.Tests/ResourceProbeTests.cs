using HealthService.Probes.Resources;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests;

public sealed class ResourceProbeTests
{
    private sealed class FakeReader : IResourceReader
    {
        public long UsedBytes { get; set; }

        public TimeSpan CpuTime { get; set; }

        public MemoryReading ReadMemory() => new(UsedBytes, 1000, "cgroup", ProcessBytes: 100);

        public CpuReading ReadCpu() => new(CpuTime, 2, "cgroup");
    }

    private static HealthCheckContext Context(IHealthCheck check, HealthStatus failureStatus = HealthStatus.Unhealthy) =>
        new() { Registration = new HealthCheckRegistration("probe", check, failureStatus, tags: null) };

    [Theory]
    [InlineData(new long[] { 100 }, HealthStatus.Healthy)]
    [InlineData(new long[] { 850 }, HealthStatus.Degraded)]
    [InlineData(new long[] { 950 }, HealthStatus.Unhealthy)]
    [InlineData(new long[] { 950, 920 }, HealthStatus.Unhealthy)] // default hysteresis: 5 points
    [InlineData(new long[] { 950, 890 }, HealthStatus.Degraded)]
    [InlineData(new long[] { 850, 849, 851, 849 }, HealthStatus.Degraded)]
    public async Task Memory_probe_reports_usage_against_the_limit_with_default_thresholds(long[] usedBytes, HealthStatus expected)
    {
        var reader = new FakeReader();
        var check = new MemoryHealthCheck(new MemoryProbeOptions(), reader);
        HealthCheckResult result = default;

        foreach (var used in usedBytes)
        {
            reader.UsedBytes = used;
            result = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);
        }

        Assert.Equal(expected, result.Status);
        Assert.Equal("cgroup", result.Data["source"]);
        Assert.Equal(usedBytes[^1] / 10.0, result.Data["percent"]);
    }

    [Fact]
    public async Task Memory_probe_reports_its_registration_failure_status_when_over_the_limit()
    {
        var reader = new FakeReader { UsedBytes = 990 };
        var check = new MemoryHealthCheck(new MemoryProbeOptions(), reader);

        var result = await check.CheckHealthAsync(Context(check, HealthStatus.Degraded), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.StartsWith("memory 99.0% used", result.Description, StringComparison.Ordinal);
    }

    // The OOM killer and `docker stats` count everything charged to the container's cgroup (command-probe children,
    // the HEALTHCHECK probe process, page cache), less the file cache the kernel reclaims first. In these trees that
    // figure is far from this test process's own working set.
    private const long MiB = 1024 * 1024;

    /// <summary>16 GiB of RAM, 15 GiB of it available: far more than any limit below.</summary>
    private const string Meminfo = "MemTotal:       16777216 kB\nMemFree:        14680064 kB\nMemAvailable:   15728640 kB\n";

    private static async Task<HealthCheckResult> CheckMemoryAsync(FakeCgroupTree tree)
    {
        var check = new MemoryHealthCheck(new MemoryProbeOptions(), new SystemResourceReader(tree.Reader));
        return await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Memory_probe_counts_the_whole_v2_cgroup_less_inactive_file_against_its_limit()
    {
        // 1000 MiB charged to the cgroup, 100 MiB of it inactive file cache: 900 MiB of 1024 MiB.
        using var tree = new FakeCgroupTree()
            .Write("proc/self/cgroup", "0::/\n")
            .Write("proc/meminfo", Meminfo)
            .Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
            .Write("sys/fs/cgroup/memory.max", $"{1024 * MiB}\n")
            .Write("sys/fs/cgroup/memory.current", $"{1000 * MiB}\n")
            .Write("sys/fs/cgroup/memory.stat", $"anon {780 * MiB}\nfile {220 * MiB}\nactive_file {120 * MiB}\ninactive_file {100 * MiB}\n");

        var result = await CheckMemoryAsync(tree);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(87.9, result.Data["percent"]);
        Assert.Equal(900 * MiB, result.Data["usedBytes"]);
        Assert.Equal(1024 * MiB, result.Data["limitBytes"]);
        Assert.Equal("cgroup", result.Data["source"]);
        Assert.Equal(Environment.WorkingSet, (long)result.Data["processBytes"], tolerance: 64 * MiB);
        Assert.StartsWith("memory 87.9% used (900 MiB of 1024 MiB, whole cgroup", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Memory_probe_counts_the_whole_v1_cgroup_less_total_inactive_file_against_its_limit()
    {
        // 2000 MiB charged to the cgroup and its children, 50 MiB of it inactive file cache (10 MiB in this cgroup
        // alone, which is not the figure the kernel judges): 1950 MiB of 2048 MiB.
        using var tree = new FakeCgroupTree()
            .Write("proc/self/cgroup", "12:memory:/docker/0123abc\n4:cpu,cpuacct:/docker/0123abc\n")
            .Write("proc/meminfo", Meminfo)
            .Write("sys/fs/cgroup/memory/memory.limit_in_bytes", $"{2048 * MiB}\n")
            .Write("sys/fs/cgroup/memory/memory.usage_in_bytes", $"{2000 * MiB}\n")
            .Write("sys/fs/cgroup/memory/memory.stat",
                $"cache {60 * MiB}\nrss {1900 * MiB}\ninactive_file {10 * MiB}\nactive_file {5 * MiB}\ntotal_cache {90 * MiB}\ntotal_inactive_file {50 * MiB}\ntotal_active_file {40 * MiB}\n");

        var result = await CheckMemoryAsync(tree);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(95.2, result.Data["percent"]);
        Assert.Equal(1950 * MiB, result.Data["usedBytes"]);
        Assert.Equal(2048 * MiB, result.Data["limitBytes"]);
        Assert.Equal("cgroup", result.Data["source"]);
        Assert.Equal(Environment.WorkingSet, (long)result.Data["processBytes"], tolerance: 64 * MiB);
    }

    [Fact]
    public async Task Memory_probe_is_healthy_when_the_cgroup_is_charged_mostly_with_inactive_file_cache()
    {
        // 60 MiB charged of a 64 MiB limit, 52 MiB of it file cache the kernel drops before it kills anything.
        using var tree = new FakeCgroupTree()
            .Write("proc/self/cgroup", "0::/\n")
            .Write("proc/meminfo", Meminfo)
            .Write("sys/fs/cgroup/cgroup.controllers", "memory\n")
            .Write("sys/fs/cgroup/memory.max", $"{64 * MiB}\n")
            .Write("sys/fs/cgroup/memory.current", $"{60 * MiB}\n")
            .Write("sys/fs/cgroup/memory.stat", $"anon {8 * MiB}\nfile {52 * MiB}\nactive_file 0\ninactive_file {52 * MiB}\n");

        var result = await CheckMemoryAsync(tree);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(12.5, result.Data["percent"]);
        Assert.Equal(8 * MiB, result.Data["usedBytes"]);
        Assert.Equal("cgroup", result.Data["source"]);
    }

    [Fact]
    public async Task Memory_probe_without_a_cgroup_limit_measures_the_host()
    {
        // memory.max "max": no limit, so the OOM killer acts when the host runs short. 2 GiB of 16 GiB available.
        using var tree = new FakeCgroupTree()
            .Write("proc/self/cgroup", "0::/\n")
            .Write("proc/meminfo", "MemTotal:       16777216 kB\nMemFree:         1048576 kB\nMemAvailable:    2097152 kB\n")
            .Write("sys/fs/cgroup/cgroup.controllers", "memory\n")
            .Write("sys/fs/cgroup/memory.max", "max\n")
            .Write("sys/fs/cgroup/memory.current", $"{100 * MiB}\n")
            .Write("sys/fs/cgroup/memory.stat", "inactive_file 0\n");

        var result = await CheckMemoryAsync(tree);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(87.5, result.Data["percent"]);
        Assert.Equal(14336 * MiB, result.Data["usedBytes"]);
        Assert.Equal(16384 * MiB, result.Data["limitBytes"]);
        Assert.Equal("host", result.Data["source"]);
        Assert.Equal(Environment.WorkingSet, (long)result.Data["processBytes"], tolerance: 64 * MiB);
    }

    [Fact]
    public async Task Cpu_probe_measures_usage_between_rounds_against_the_capacity()
    {
        var time = new FakeTimeProvider();
        var reader = new FakeReader();
        var check = new CpuHealthCheck(new CpuProbeOptions(), reader, time);

        var baseline = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, baseline.Status);

        // 2 cores for 5 s = 10 s of capacity; 9 s used = 90 %.
        time.Advance(TimeSpan.FromSeconds(5));
        reader.CpuTime += TimeSpan.FromSeconds(9);
        var busy = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Degraded, busy.Status);
        Assert.Equal(90.0, busy.Data["percent"]);

        // 7.8 s of 10 s = 78 %: within the 5-point hysteresis of the 80 % threshold, so still Degraded.
        time.Advance(TimeSpan.FromSeconds(5));
        reader.CpuTime += TimeSpan.FromSeconds(7.8);
        Assert.Equal(HealthStatus.Degraded, (await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken)).Status);

        // 2 s of 10 s = 20 %.
        time.Advance(TimeSpan.FromSeconds(5));
        reader.CpuTime += TimeSpan.FromSeconds(2);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task Disk_probe_reports_each_configured_path()
    {
        var temp = Path.GetTempPath();
        var check = new DiskSpaceHealthCheck(new DiskProbeOptions { Paths = ["/", temp] });

        var result = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);

        Assert.Contains("/", result.Data.Keys);
        Assert.Contains(temp, result.Data.Keys);
        var root = new DriveInfo("/");
        var used = 100.0 * (root.TotalSize - root.AvailableFreeSpace) / root.TotalSize;
        Assert.InRange((double)result.Data["/"], used - 1, used + 1); // what df reports, give or take other writers
    }

    [Fact]
    public async Task Disk_probe_turns_unhealthy_when_a_file_system_is_fuller_than_the_threshold()
    {
        // Whatever this machine's disk holds, a threshold of 0.01 % used is exceeded.
        var check = new DiskSpaceHealthCheck(new DiskProbeOptions { Paths = ["/"], DegradedPercent = 0.005, UnhealthyPercent = 0.01, HysteresisPercent = 0 });

        var result = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public async Task Resource_probes_are_on_by_default_and_do_not_gate_health()
    {
        // Thresholds of 0.01 % make every resource probe fail at once; as non-critical probes they only report.
        await using var factory = new HealthServiceFactory()
            .With("Health:Memory:Enabled", null).With("Health:Cpu:Enabled", null).With("Health:Disk:Enabled", null)
            .With("Health:Memory:DegradedPercent", "0.005").With("Health:Memory:UnhealthyPercent", "0.01")
            .With("Health:Disk:DegradedPercent", "0.005").With("Health:Disk:UnhealthyPercent", "0.01")
            .With("Health:Memory:HysteresisPercent", "0").With("Health:Disk:HysteresisPercent", "0");

        await factory.WaitForStatusAsync(200, "OK");
        await Task.Delay(TimeSpan.FromSeconds(1.2), TestContext.Current.CancellationToken);

        var registered = factory.Logs.WithEventName("ProbeRegistered").Select(e => CollectingSink.Scalar(e, "Probe")).ToList();
        Assert.Equal(["memory", "cpu", "disk"], registered);
        var failed = factory.Logs.WithEventName("ProbeStatusChanged")
            .Where(e => CollectingSink.Scalar(e, "Status") == "Unhealthy").Select(e => CollectingSink.Scalar(e, "Probe"));
        Assert.Equal(["disk", "memory"], failed.Order());
        Assert.Equal(200, (int)(await factory.CreateClient().GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_resource_probe_made_critical_gates_health()
    {
        await using var factory = new HealthServiceFactory()
            .With("Health:Disk:Enabled", "true").With("Health:Disk:Critical", "true")
            .With("Health:Disk:DegradedPercent", "0.005").With("Health:Disk:UnhealthyPercent", "0.01").With("Health:Disk:HysteresisPercent", "0");

        await factory.WaitForStatusAsync(503, "Unhealthy");
    }
}
