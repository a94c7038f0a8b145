using System.Diagnostics;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Pipeline;

/// <summary>Each result counts from when its probe completed: a slow probe that gates nothing never changes /health.</summary>
public sealed class FreshnessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_hung_reporting_only_command_probe_never_takes_health_down_in_the_real_process()
    {
        // The setting of the report: a five-second round, a one-second default deadline, a seven-second staleness
        // bound, and one reporting-only command probe with a five-second deadline whose script hangs.
        var folder = Directory.CreateTempSubdirectory("healthservice-hang-");
        try
        {
            var script = Path.Combine(folder.FullName, "hangs.sh");
            await File.WriteAllTextAsync(script, "#!/bin/sh\nexec sleep 600\n", Ct);
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
            var port = ServiceProcess.FreeLoopbackPort();
            var service = ServiceProcess.Start(new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Health__Interval"] = "00:00:05",
                ["Health__Timeout"] = "00:00:01",
                ["Health__MaxAge"] = "00:00:07",
                ["Health__DrainDelay"] = "00:00:00",
                ["Health__Command__slow__Path"] = script,
                ["Health__Command__slow__Timeout"] = "00:00:05",
            });
            await using (service)
            {
                var url = $"http://127.0.0.1:{port}/health";
                await service.WaitForStatusAsync(url, 200, TimeSpan.FromSeconds(30));

                // 150 answers over 30 s, as in the report (where 42 of them were 503).
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                var answers = new List<string>();
                var elapsed = Stopwatch.StartNew();
                for (var i = 0; i < 150 && elapsed.Elapsed < TimeSpan.FromSeconds(45); i++)
                {
                    using var response = await client.GetAsync(url, Ct);
                    answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                    await Task.Delay(200, Ct);
                }

                Assert.Equal(150, answers.Count);
                Assert.All(answers, answer => Assert.Equal("200 OK", answer));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_slow_critical_probe_changes_only_its_own_result()
    {
        var slow = new ControllableHealthCheck { Mode = ProbeMode.Hang };
        var quick = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .WithCheck("slow", slow)
            .WithCheck("quick", quick)
            .WithCheck("reports", new ControllableHealthCheck { Mode = ProbeMode.Hang }, "non-critical");
        await factory.WaitForStatusAsync(503, "Unhealthy");

        // The slow one times out at its deadline and is the only failing probe; the quick one's result is fresh.
        var store = factory.Services.GetService(typeof(HealthService.Pipeline.HealthSnapshotStore)) as HealthService.Pipeline.HealthSnapshotStore;
        var snapshot = store!.Current!;
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, snapshot.Report.Entries["slow"].Status);
        Assert.StartsWith("timed out after 0.5 s", snapshot.Report.Entries["slow"].Description, StringComparison.Ordinal);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, snapshot.Report.Entries["quick"].Status);

        slow.ReleaseHung();
        slow.Mode = ProbeMode.Healthy;
        await factory.WaitForStatusAsync(200, "OK", TimeSpan.FromSeconds(5));
    }
}
