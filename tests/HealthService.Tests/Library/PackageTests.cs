using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Library;

/// <summary>
/// The package as a user gets it: packed into a local folder feed, restored by the sample application
/// (<c>samples/OrdersService</c>) in a clean directory, and run as a process.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("healthservice-package-");

    // A version of its own for each run, so that a package cached by an earlier run is never what gets restored.
    private readonly string _version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _folder.Delete(recursive: true);
        var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "healthservice.aspnetcore", _version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    [Fact]
    public async Task The_packed_library_gives_a_sample_service_health_drain_and_the_framework_abstractions_over_the_snapshot()
    {
        var root = RepositoryRoot();
        var feed = Directory.CreateDirectory(Path.Combine(_folder.FullName, "feed")).FullName;
        var app = Path.Combine(_folder.FullName, "OrdersService");
        await RunAsync("dotnet", ["pack", Path.Combine(root, "src", "HealthService.AspNetCore"), "-c", "Release", "-o", feed, $"-p:Version={_version}"], root);
        Assert.True(File.Exists(Path.Combine(feed, $"HealthService.AspNetCore.{_version}.nupkg")), "dotnet pack made no package");

        CopyDirectory(Path.Combine(root, "samples", "OrdersService"), app);
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """, Ct);
        await RunAsync("dotnet", ["build", app, "-c", "Release", $"-p:HealthServiceVersion={_version}"], _folder.FullName);

        var port = ServiceProcess.FreeLoopbackPort();
        var downFile = Path.Combine(_folder.FullName, "queue-down");
        var start = ServiceProcess.WithDefaultSignals("dotnet", Path.Combine(app, "bin", "Release", "net10.0", "OrdersService.dll"));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = app;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Health__Interval"] = "00:00:01";
        start.Environment["Health__Timeout"] = "00:00:00.500";
        start.Environment["Health__DrainDelay"] = "00:00:03";
        start.Environment["Health__Memory__Enabled"] = "false";
        start.Environment["Health__Cpu__Enabled"] = "false";
        start.Environment["Health__Disk__Enabled"] = "false";
        start.Environment["ORDERS_QUEUE_DOWN_FILE"] = downFile;
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await AnswerAsync(client, "/health", "200 OK", output);

            // MapHealthChecks reads the snapshot: its check runs with the rounds, not with the requests.
            var before = await StatsAsync(client);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 300; i++)
            {
                var hc = await client.GetAsync("/hc", Ct);
                Assert.Equal(HttpStatusCode.OK, hc.StatusCode);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            var after = await StatsAsync(client);
            var rounds = clock.Elapsed.TotalSeconds;
            Assert.InRange(after.CheckRuns - before.CheckRuns, Math.Floor(rounds) - 1, Math.Ceiling(rounds) + 1);

            // The publisher receives one report per round: as many reports as check runs, give or take the round in flight.
            Assert.InRange(after.Reports, after.CheckRuns - 1, after.CheckRuns + 1);

            // The custom check is critical: its failure takes /health to 503.
            await File.WriteAllTextAsync(downFile, "down", Ct);
            await AnswerAsync(client, "/health", "503 Unhealthy", output);
            File.Delete(downFile);
            await AnswerAsync(client, "/health", "200 OK", output);

            // SIGTERM drains: /health says so at once while the rest is still served, then the process exits 0.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }

            await AnswerAsync(client, "/health", "503 Draining", output);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/orders", Ct)).StatusCode);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(exit.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<(int CheckRuns, int Reports)> StatsAsync(HttpClient client)
    {
        using var stats = JsonDocument.Parse(await client.GetStringAsync("/sample/stats", Ct));
        return (stats.RootElement.GetProperty("checkRuns").GetInt32(), stats.RootElement.GetProperty("reports").GetInt32());
    }

    private static async Task AnswerAsync(HttpClient client, string path, string expected, IEnumerable<string> output)
    {
        var limit = Stopwatch.StartNew();
        var last = "no answer";
        while (limit.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                var response = await client.GetAsync(path, Ct);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
                if (last == expected)
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail($"{path} answered {last}, expected {expected}. Output:\n{string.Join('\n', output)}");
    }

    private static async Task RunAsync(string file, string[] args, string directory)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(limit.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HealthService.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("HealthService.sln not found above " + AppContext.BaseDirectory);
    }
}
