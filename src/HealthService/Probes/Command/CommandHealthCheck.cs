using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Command;

/// <summary>
/// Runs an executable and maps its exit code by the Nagios plugin convention: 0 OK = Healthy, 1 WARNING = Degraded,
/// 2 CRITICAL and 3 UNKNOWN = Unhealthy. The first line of its standard output is the description. At the
/// deadline the whole process tree is killed; output beyond <see cref="MaxOutputBytes"/> is read and dropped.
/// </summary>
public sealed class CommandHealthCheck(CommandProbeOptions options) : IHealthCheck
{
    public const int MaxOutputBytes = 64 * 1024;
    private const int MaxDescriptionLength = 200;

    // Once the process has exited, output still held open by a stray grandchild is not waited for any longer.
    private static readonly TimeSpan OutputGrace = TimeSpan.FromMilliseconds(500);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var start = new ProcessStartInfo(options.Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"could not start: {ex.Message}");
        }

        process.StandardInput.Close();
        var stdout = ReadBoundedAsync(process.StandardOutput.BaseStream);
        var stderr = ReadBoundedAsync(process.StandardError.BaseStream);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new HealthCheckResult(context.Registration.FailureStatus, "timed out; the process tree was killed");
        }

        string firstLine;
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(OutputGrace, cancellationToken).ConfigureAwait(false);
            firstLine = FirstLine(await stdout.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            firstLine = stdout.IsCompletedSuccessfully ? FirstLine(stdout.Result) : "";
        }

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

    /// <summary>
    /// Keeps the first <see cref="MaxOutputBytes"/> bytes and drains the rest, so the child never blocks on a full
    /// pipe. It closes the pipe when the output ends (<see cref="Process.Dispose()"/> leaves redirected streams open),
    /// also when the probe has stopped waiting for it.
    /// </summary>
    private static async Task<byte[]> ReadBoundedAsync(Stream stream)
    {
        await using (stream.ConfigureAwait(false))
        {
            var kept = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                var room = MaxOutputBytes - (int)kept.Length;
                if (room > 0)
                {
                    kept.Write(buffer, 0, Math.Min(room, read));
                }
            }

            return kept.ToArray();
        }
    }

    private static string FirstLine(byte[] output)
    {
        var text = Encoding.UTF8.GetString(output);
        var end = text.IndexOfAny(['\r', '\n']);
        var line = (end < 0 ? text : text[..end]).Trim();
        line = new string([.. line.Where(c => !char.IsControl(c))]);
        return line.Length <= MaxDescriptionLength ? line : line[..MaxDescriptionLength] + "...";
    }
}
