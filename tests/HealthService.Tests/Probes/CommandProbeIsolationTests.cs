using System.Diagnostics;
using HealthService.Configuration;
using HealthService.Pipeline;
using HealthService.Probes.Command;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Probes;

/// <summary>
/// What a command probe's plugin can see and leave behind: its environment, its process group, its output pipes.
/// Runs alone: one test counts the test process's open file descriptors, which parallel tests would also open.
/// </summary>
[Collection(typeof(OpenHandleCounting))]
public sealed class CommandProbeIsolationTests : IDisposable
{
    private const string ApiKey = "k3y-for-the-detailed-view-0123456789";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("command-isolation-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Script(string body)
    {
        var path = Path.Combine(_folder, $"check-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>A copy of sleep whose name is unique to the test, so that a survivor can be found by name.</summary>
    private string Sleeper(out string marker)
    {
        marker = $"sleeper-{Guid.NewGuid():N}";
        var path = Path.Combine(_folder, marker);
        File.Copy("/bin/sleep", path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Shell lines that append the script's process group id to the file named by "$1".</summary>
    private const string RecordGroup = "read -r stat < /proc/$$/stat\nset -- \"$1\" ${stat##*) }\necho \"$4\" >> \"$1\"";

    private static async Task<HealthCheckResult> RunAsync(CommandHealthCheck check, CancellationToken cancellationToken)
    {
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("command:check", check, null, null) };
        return await check.CheckHealthAsync(context, cancellationToken);
    }

    [Fact]
    public async Task A_command_probe_sees_only_PATH_LANG_and_its_configured_environment()
    {
        var seen = Path.Combine(_folder, "environment");
        // /proc/$$/environ is what the script was started with, before the shell adds anything of its own.
        var script = Script("tr '\\0' '\\n' < /proc/$$/environ > \"$1.partial\"\nmv \"$1.partial\" \"$1\"\necho OK");
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["LANG"] = "C.UTF-8",
            // What the service knows and a plugin must not: its own secrets, whatever else its environment holds.
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__ApiKey"] = ApiKey,
            ["ConnectionStrings__Orders"] = "Host=db.internal;Username=app;Password=hunter2-orders",
            ["Health__Redis__cache__ConnectionString"] = "127.0.0.1:9,password=redis-secret-token",
            ["Health__MySql__orders__ConnectionString"] = "Server=127.0.0.1;Port=9;User ID=app;Password=mysql-secret",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=otel-header-secret",
            ["Health__Command__env__Path"] = script,
            ["Health__Command__env__Arguments__0"] = seen,
            ["Health__Command__env__Environment__PLUGIN_MODE"] = "strict",
            ["Health__Command__env__Environment__PLUGIN_WARN"] = "80",
        });

        var limit = Stopwatch.StartNew();
        while (!File.Exists(seen) && !service.HasExited && limit.Elapsed < StartTimeout)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(File.Exists(seen), $"The command never ran. Stderr:\n{string.Join('\n', service.StandardError)}");
        var variables = (await File.ReadAllLinesAsync(seen, Ct))
            .Where(line => line.Length > 0)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        Assert.Equal(["LANG", "PATH", "PLUGIN_MODE", "PLUGIN_WARN"], variables.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), variables["PATH"]); // the service's own PATH
        Assert.Equal("C.UTF-8", variables["LANG"]);
        Assert.Equal("strict", variables["PLUGIN_MODE"]);
        Assert.Equal("80", variables["PLUGIN_WARN"]);
    }

    [Fact]
    public async Task Every_round_closes_its_pipes_keeps_the_output_line_and_ends_what_the_command_left_running()
    {
        // The plugin leaves a background sleeper that holds its stdout, as a careless `daemon &` would.
        var sleeper = Sleeper(out var marker);
        var script = Script($"{RecordGroup}\n{sleeper} 300 &\necho OK\nexit 0");
        const int Probes = 4;
        const int RoundsEach = 250; // 1,000 rounds, four probes at a time as the service runs them
        var groupFiles = Enumerable.Range(0, Probes).Select(i => Path.Combine(_folder, $"groups-{i}")).ToArray();
        var checks = groupFiles.Select(file => new CommandHealthCheck(new CommandProbeOptions { Path = script, Arguments = [file] })).ToArray();
        foreach (var check in checks)
        {
            // Warm-up: the runtime's own descriptors (signal handling, thread pool) are opened by the first run.
            var first = await RunAsync(check, Ct);
            Assert.Equal((HealthStatus.Healthy, "OK"), (first.Status, first.Description));
        }

        var before = OpenFileDescriptors();

        await Task.WhenAll(checks.Select(async check =>
        {
            for (var round = 0; round < RoundsEach; round++)
            {
                var result = await RunAsync(check, Ct);
                Assert.Equal((HealthStatus.Healthy, "OK"), (result.Status, result.Description));
            }
        }));

        var after = OpenFileDescriptors();
        Assert.True(after - before <= 5, $"{after - before} more open file descriptors after {Probes * RoundsEach} rounds ({before} before, {after} after).");
        var groups = groupFiles.SelectMany(File.ReadAllLines).Select(int.Parse).ToList();
        Assert.Equal(Probes * (RoundsEach + 1), groups.Count);
        Assert.Equal(groups.Count, groups.Distinct().Count()); // every run had a process group of its own
        await AssertNothingLeftAsync(groups, marker);
    }

    [Fact]
    public async Task On_SIGTERM_a_hung_command_and_everything_it_started_are_killed_before_the_service_exits()
    {
        var sleeper = Sleeper(out var marker);
        var groupFile = Path.Combine(_folder, "group");
        var script = Script($"{RecordGroup}\n({sleeper} 300 &)\n{sleeper} 301\nexit 0");
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:05",
            ["Health__Timeout"] = "00:00:05",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Command__hangs__Path"] = script,
            ["Health__Command__hangs__Arguments__0"] = groupFile,
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);
        var limit = Stopwatch.StartNew();
        while (!File.Exists(groupFile) && limit.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, Ct);
        }

        // The command hangs well inside its five-second deadline when the service is told to stop.
        service.Signal("TERM");

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        var group = int.Parse(Assert.Single(await File.ReadAllLinesAsync(groupFile, Ct)));
        await AssertNothingLeftAsync([group], marker);
    }

    [Fact]
    public async Task At_the_deadline_the_whole_process_group_is_killed_also_children_that_left_the_process_tree()
    {
        var sleeper = Sleeper(out var marker);
        var groupFile = Path.Combine(_folder, "group");
        // The subshell exits at once, so its sleeper is re-parented away from the plugin's process tree; the plugin
        // then hangs in a foreground sleeper.
        var script = Script($"{RecordGroup}\n({sleeper} 300 &)\n{sleeper} 301\nexit 0");
        var check = new CommandHealthCheck(new CommandProbeOptions { Path = script, Arguments = [groupFile] });
        var started = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(500));

        var result = await RunAsync(check, deadline.Token);

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1500));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith("timed out", result.Description, StringComparison.Ordinal);
        var group = int.Parse(Assert.Single(await File.ReadAllLinesAsync(groupFile, Ct)));
        await AssertNothingLeftAsync([group], marker);
    }

    [Fact]
    public async Task Configured_secrets_and_password_shaped_values_in_the_output_line_are_redacted_in_the_snapshot_and_the_log()
    {
        var script = Script($"echo \"db password=hunter2, token $API_TOKEN, view {ApiKey}, Authorization: Bearer abc.def\"");
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", ApiKey)
            .With("Health:Command:check:Path", script)
            .With("Health:Command:check:Environment:API_TOKEN", "tok-7f3a9c");

        var change = await factory.WaitForProbeAsync("command:check", "Healthy");

        const string Expected = "db password=***, token ***, view ***, Authorization: Bearer ***";
        Assert.Equal(Expected, CollectingSink.Scalar(change, "Reason"));
        var snapshot = factory.Services.GetRequiredService<HealthSnapshotStore>().Current;
        Assert.NotNull(snapshot);
        Assert.Equal(Expected, snapshot.Report.Entries["command:check"].Description);
        var logged = factory.AllLogText();
        Assert.DoesNotContain("hunter2", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-7f3a9c", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, logged, StringComparison.Ordinal);
        Assert.DoesNotContain("abc.def", logged, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BAD=NAME", "fine", "Health:Command:disk:Environment:BAD=NAME is not a valid variable name")]
    [InlineData("BAD<NUL>NAME", "fine", "Health:Command:disk:Environment:BAD\\0NAME is not a valid variable name")]
    [InlineData("", "fine", "Health:Command:disk:Environment: is not a valid variable name")]
    [InlineData("GOOD", "hunter2<NUL>more", "Health:Command:disk:Environment:GOOD must not contain a NUL character")]
    public void An_environment_variable_that_cannot_be_passed_is_reported_with_its_key_and_never_its_value(string name, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Health:Command:disk:Path"] = "/bin/true",
            ["Health:Command:disk:Environment:" + name.Replace("<NUL>", "\0", StringComparison.Ordinal)] = value.Replace("<NUL>", "\0", StringComparison.Ordinal),
        }).Build();

        var error = ConfigurationGuard.FindError(configuration);

        Assert.NotNull(error);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
        Assert.DoesNotContain("fine", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_setsid_on_PATH_a_configured_command_probe_stops_start_up_naming_its_Path_key()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty-bin")).FullName;
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["PATH"] = empty,
            ["Health__Command__disk__Path"] = "/bin/true",
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.Equal(ConfigurationGuard.ConfigurationErrorExitCode, exitCode);
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: Health:Command:disk:Path ", line, StringComparison.Ordinal);
        Assert.Contains("setsid", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_setsid_on_PATH_the_service_starts_when_no_command_probe_is_configured()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty-bin")).FullName;
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["PATH"] = empty,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });

        var response = await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, StartTimeout);

        Assert.Equal("OK", await response.Content.ReadAsStringAsync(Ct));
    }

    private static int OpenFileDescriptors() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    /// <summary>
    /// Waits (briefly: a killed process needs a moment to exit) until no live process is in any of
    /// <paramref name="groups"/> or runs the sleeper named <paramref name="marker"/>. Zombies are dead: they wait only
    /// for init to collect their exit status.
    /// </summary>
    private static async Task AssertNothingLeftAsync(IReadOnlyCollection<int> groups, string marker)
    {
        var wanted = groups.ToHashSet();
        var limit = Stopwatch.StartNew();
        List<string> survivors;
        do
        {
            survivors = [.. LiveProcesses().Where(p => wanted.Contains(p.Group) || p.CommandLine.Contains(marker, StringComparison.Ordinal))
                .Select(p => $"{p.Id} (group {p.Group}): {p.CommandLine}")];
            if (survivors.Count == 0)
            {
                return;
            }

            await Task.Delay(50, Ct);
        }
        while (limit.Elapsed < TimeSpan.FromSeconds(2));

        Assert.Fail($"Processes left behind: {string.Join("; ", survivors.Take(10))}");
    }

    private static IEnumerable<(int Id, int Group, string CommandLine)> LiveProcesses()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var id))
            {
                continue;
            }

            string stat;
            string commandLine;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile
            }

            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so fields count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] != "Z")
            {
                yield return (id, int.Parse(fields[2]), commandLine);
            }
        }
    }
}
