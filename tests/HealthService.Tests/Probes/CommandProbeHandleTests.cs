using HealthService.Probes.Command;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Probes;

/// <summary>Runs alone: it counts the test process's open pipes, which parallel tests would also open.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class OpenHandleCounting;

[Collection(typeof(OpenHandleCounting))]
public sealed class CommandProbeHandleTests
{
    [Fact]
    public async Task Each_round_closes_the_pipes_of_the_command_it_ran()
    {
        var check = new CommandHealthCheck(new CommandProbeOptions { Path = "/bin/echo", Arguments = ["still fine"] });
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("command:echo", check, null, null) };
        await check.CheckHealthAsync(context, TestContext.Current.CancellationToken); // warm-up: the runtime's own pipes
        var before = OpenPipes();

        const int Rounds = 40;
        for (var i = 0; i < Rounds; i++)
        {
            var result = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken);
            Assert.Equal((HealthStatus.Healthy, "still fine"), (result.Status, result.Description));
        }

        // Two pipes (stdout, stderr) per round would stay open until a garbage collection happened to finalise them.
        var after = OpenPipes();
        Assert.True(after - before <= 4, $"{after - before} more open pipes after {Rounds} rounds ({before} before, {after} after).");
    }

    private static int OpenPipes() => Directory.EnumerateFileSystemEntries("/proc/self/fd")
        .Count(fd => new FileInfo(fd).LinkTarget?.StartsWith("pipe:", StringComparison.Ordinal) == true);
}
