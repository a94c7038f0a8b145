using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// Runs one probe under its deadline. A probe that ignores its <see cref="CancellationToken"/> is abandoned at the
/// deadline and counts as failed; while it is still running, later rounds report it failed instead of starting
/// another copy, so a hung dependency costs at most one pending call per probe.
/// </summary>
/// <remarks>
/// Descriptions and string data values pass through the <see cref="SecretRedactor"/> here, before any reader of the
/// snapshot (logs, details, webhooks) sees them.
/// </remarks>
internal sealed class ProbeRunner(HealthCheckRegistration registration, TimeSpan deadline, IServiceScopeFactory scopes, TimeProvider time, SecretRedactor redactor)
{
    private Task<HealthCheckResult>? _pending;

    public HealthCheckRegistration Registration => registration;

    public TimeSpan Deadline => deadline;

    public bool IsCritical { get; } = HealthTags.IsCritical(registration.Tags);

    public async Task<HealthReportEntry> RunAsync(CancellationToken stopping)
    {
        var started = time.GetTimestamp();
        if (_pending is { IsCompleted: false })
        {
            return Entry(Failed($"still running after its {Seconds(deadline)} deadline in an earlier round"), started);
        }

        // Task.Run: a probe that blocks before its first await must not block the round.
        var probe = Task.Run(() => InvokeAsync(stopping), CancellationToken.None);
        _pending = probe;
        HealthCheckResult result;
        try
        {
            result = await probe.WaitAsync(deadline, time, stopping).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            result = Failed($"timed out after {Seconds(deadline)}");
        }

        return Entry(result, started);
    }

    private async Task<HealthCheckResult> InvokeAsync(CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        // The try is outside the scope, so that a probe's scoped dependency failing on dispose is the probe's failure
        // too, not the round's.
        try
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var check = registration.Factory(scope.ServiceProvider);
                var context = new HealthCheckContext { Registration = registration };
                return await check.CheckHealthAsync(context, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Failed($"timed out after {Seconds(deadline)}");
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Failed("cancelled: the service is stopping");
        }
#pragma warning disable CA1031 // A probe's failure is a result, never a crash of the pipeline.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new HealthCheckResult(registration.FailureStatus, null, ex);
        }
    }

    private HealthCheckResult Failed(string description) => new(registration.FailureStatus, description);

    private HealthReportEntry Entry(HealthCheckResult result, long started) => new(
        result.Status,
        ProbeDescription.Of(result, redactor),
        time.GetElapsedTime(started),
        exception: null, // exceptions carry messages and stack traces that must not reach logs or responses
        redactor.RedactValues(result.Data),
        registration.Tags);

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###} s";
}
