using System.Diagnostics;
using System.Net;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Probes;

/// <summary>Command probes run real executables (shell scripts written for each test).</summary>
public sealed class CommandProbeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("command-probe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Script(string body)
    {
        var path = Path.Combine(_folder, $"check-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static HealthServiceFactory Factory(string path, bool critical = true) => new HealthServiceFactory()
        .With("Health:Command:check:Path", path)
        .With("Health:Command:check:Critical", critical ? "true" : "false");

    [Theory]
    [InlineData(0, "Healthy", 200)]
    [InlineData(1, "Degraded", 200)]
    [InlineData(2, "Unhealthy", 503)]
    [InlineData(3, "Unhealthy", 503)]
    [InlineData(7, "Unhealthy", 503)]
    public async Task Exit_codes_map_by_the_Nagios_convention_with_the_first_output_line_as_description(int exitCode, string status, int httpStatus)
    {
        var path = Script($"echo 'CHECK says {exitCode} | perfdata=1'\necho 'second line'\nexit {exitCode}");
        await using var factory = Factory(path);

        var change = await factory.WaitForProbeAsync("command:check", status);
        var expected = exitCode <= 3 ? $"CHECK says {exitCode} | perfdata=1" : $"unexpected exit code 7: CHECK says 7 | perfdata=1";
        Assert.Equal(expected, CollectingSink.Scalar(change, "Reason"));
        Assert.Equal(httpStatus, (int)(await factory.CreateClient().GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_command_is_not_critical_unless_configured_so()
    {
        await using var factory = new HealthServiceFactory().With("Health:Command:check:Path", Script("echo 'CRITICAL: queue full'\nexit 2"));

        var change = await factory.WaitForProbeAsync("command:check", "Unhealthy");
        await factory.WaitForStatusAsync(200, "OK");

        Assert.Equal("CRITICAL: queue full", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_command_without_output_is_described_by_its_exit_code()
    {
        await using var factory = Factory(Script("exit 2"));

        var change = await factory.WaitForProbeAsync("command:check", "Unhealthy");

        Assert.Equal("exit code 2", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task Arguments_are_passed_one_by_one_without_a_shell()
    {
        var path = Script("echo \"$# args: $1|$2\"\nexit 0");
        await using var factory = Factory(path)
            .With("Health:Command:check:Arguments:0", "two words")
            .With("Health:Command:check:Arguments:1", "$HOME;rm");

        var change = await factory.WaitForProbeAsync("command:check", "Healthy");

        Assert.Equal("2 args: two words|$HOME;rm", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_hanging_command_is_killed_at_the_deadline_with_its_children()
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        // A child in the background and one in the foreground, both a copy of sleep named after the marker so
        // that they can be found afterwards.
        var sleeper = Path.Combine(_folder, marker);
        File.Copy("/bin/sleep", sleeper);
        File.SetUnixFileMode(sleeper, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var path = Script($"{sleeper} 300 &\n{sleeper} 301\nexit 0");
        await using var factory = Factory(path);
        var started = Stopwatch.StartNew();

        var change = await factory.WaitForProbeAsync("command:check", "Unhealthy");

        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
        Assert.Contains("timed out", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
        await factory.DisposeAsync();
        await WaitUntilNoProcessHasAsync(marker, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_command_printing_megabytes_is_read_within_bounds()
    {
        // 20 MB on stdout and 5 MB on stderr: the probe keeps a bounded prefix and drains the rest.
        var path = Script("head -c 20000000 /dev/zero | tr '\\0' 'x'\nhead -c 5000000 /dev/zero >&2\nexit 0");
        await using var factory = Factory(path).With("Health:Interval", "00:00:03").With("Health:Timeout", "00:00:02.500");

        var change = await factory.WaitForProbeAsync("command:check", "Healthy");

        var reason = CollectingSink.Scalar(change, "Reason")!;
        Assert.StartsWith("xxxxxxxx", reason, StringComparison.Ordinal);
        Assert.True(reason.Length <= 203, $"description of {reason.Length} characters");
    }

    private static async Task WaitUntilNoProcessHasAsync(string marker, TimeSpan timeout)
    {
        var limit = Stopwatch.StartNew();
        List<string> survivors;
        do
        {
            survivors = [.. Directory.EnumerateDirectories("/proc")
                .Where(d => int.TryParse(Path.GetFileName(d), out _))
                .Where(d =>
                {
                    try
                    {
                        return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(marker, StringComparison.Ordinal);
                    }
                    catch (IOException)
                    {
                        return false;
                    }
                    catch (UnauthorizedAccessException)
                    {
                        return false;
                    }
                })];
            if (survivors.Count == 0)
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (limit.Elapsed < timeout);

        Assert.Fail($"Processes left behind: {string.Join(", ", survivors)}");
    }
}
