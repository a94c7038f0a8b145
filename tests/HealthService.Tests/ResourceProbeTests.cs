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

        public MemoryReading ReadMemory() => new(UsedBytes, 1000, "cgroup");

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
    public async Task Memory_probe_reports_working_set_against_the_limit_with_default_thresholds(long[] usedBytes, HealthStatus expected)
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
