using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Command;

/// <summary>
/// Runs an executable and maps its exit code by the Nagios plugin convention: 0 OK = Healthy, 1 WARNING = Degraded,
/// 2 CRITICAL and 3 UNKNOWN = Unhealthy. The first line of its standard output is the description. The command runs
/// with PATH, LANG and its configured variables only, in a process group of its own, which is killed at the deadline
/// and once the command has exited; output beyond <see cref="MaxOutputBytes"/> is read and dropped.
/// </summary>
internal sealed class CommandHealthCheck : IHealthCheck
{
    public const int MaxOutputBytes = 64 * 1024;
    private const int MaxDescriptionLength = 200;

    // The only variables taken from the service's own environment, which holds connection strings and keys.
    private static readonly string[] InheritedVariables = ["PATH", "LANG"];

    // Once the command has exited, what it left running may hold its output this long; then its group is killed.
    private static readonly TimeSpan ExitGrace = TimeSpan.FromMilliseconds(100);

    // Output still held open after that, by a process that has left the group, is not waited for any longer.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromMilliseconds(100);

    private readonly CommandProbeOptions _options;
    private readonly SecretRedactor? _redactor;

    public CommandHealthCheck(CommandProbeOptions options)
        : this(options, null)
    {
    }

    /// <param name="options">The command.</param>
    /// <param name="redactor">Applied to the output line before it is shortened, so that no part of a secret is left.</param>
    internal CommandHealthCheck(CommandProbeOptions options, SecretRedactor? redactor)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _redactor = redactor;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var launcher = ProcessGroup.Launcher;
        var start = new ProcessStartInfo(launcher ?? _options.Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (launcher is not null)
        {
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(_options.Path!);
        }

        foreach (var argument in _options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        SetEnvironment(start.Environment);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"could not start: {ex.Message}");
        }

        // Without setsid (only when the probe is used outside the service, which refuses to start without it) there
        // is no group of its own, and only the process tree can be killed.
        int? group = launcher is null ? null : process.Id;
        process.StandardInput.Close();

        // Killed inside Cancel() itself, not in a continuation: when the service stops, the process may exit before a
        // continuation runs, and the command and what it started would outlive it.
        using var killOnCancel = cancellationToken.UnsafeRegister(_ => KillAll(process, group), null);
        using var stopReading = new CancellationTokenSource();
        var output = CommandOutput.ReadAsync(process.StandardOutput.BaseStream, process.StandardError.BaseStream, MaxOutputBytes, stopReading.Token);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillAll(process, group);
            await stopReading.CancelAsync().ConfigureAwait(false);
            await output.ConfigureAwait(false);
            return new HealthCheckResult(context.Registration.FailureStatus, "timed out; its process group was killed");
        }

        try
        {
            await output.WaitAsync(ExitGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Something the command started still holds its output.
        }

        // Whatever the command left running goes now, also what no longer writes to its output. The group outlives
        // its reaped leader while any member is left, and its id is not reused until then; with none left, the id
        // would have to be taken by a new group within this grace to be hit, which takes a pid wrap-around.
        if (group is { } id)
        {
            ProcessGroup.Kill(id);
        }

        stopReading.CancelAfter(CloseGrace);
        var firstLine = FirstLine(await output.ConfigureAwait(false));
        var exitCode = process.ExitCode;
        var description = firstLine.Length > 0 ? firstLine : $"exit code {exitCode}";
        return exitCode switch
        {
            0 => HealthCheckResult.Healthy(description),
            1 => HealthCheckResult.Degraded(description),
            2 or 3 => new HealthCheckResult(context.Registration.FailureStatus, description),
            _ => new HealthCheckResult(context.Registration.FailureStatus, $"unexpected exit code {exitCode}: {description}"),
        };
    }

    private void SetEnvironment(IDictionary<string, string?> environment)
    {
        environment.Clear();
        foreach (var name in InheritedVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in _options.Environment)
        {
            environment[name] = value;
        }
    }

    /// <summary>
    /// The tree first, while it is intact: it also reaches descendants that moved to a group of their own. Then the
    /// group: it reaches children re-parented out of the tree, and everything once the tree is gone.
    /// </summary>
    private static void KillAll(Process process, int? group)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or AggregateException)
        {
            // Exited meanwhile, or part of the tree did.
        }

        if (group is { } id)
        {
            ProcessGroup.Kill(id);
        }
    }

    private string FirstLine(byte[] output)
    {
        var text = Encoding.UTF8.GetString(output);
        var end = text.IndexOfAny(['\r', '\n']);
        var line = (end < 0 ? text : text[..end]).Trim();
        line = new string([.. line.Where(c => !char.IsControl(c))]);
        if (_redactor is not null)
        {
            line = _redactor.Redact(line);
        }

        return line.Length <= MaxDescriptionLength ? line : line[..MaxDescriptionLength] + "...";
    }
}
