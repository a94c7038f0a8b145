using HealthService.Endpoints;
using Serilog.Events;

namespace HealthService.Logging;

/// <summary>
/// Keeps outsiders from driving log volume. Requests that end in <c>404</c> or <c>405</c> (unknown paths, unsupported
/// methods, and refused requests for the detailed view, which answer as an unknown path) are counted instead of
/// logged one by one; <see cref="LogVolumeReporter"/> writes the counts once a minute. Everything else is logged by
/// request logging as before.
/// </summary>
public sealed class UnloggedRequests
{
    private long _unmatched;
    private long _refusedDetails;

    /// <summary>The level request logging writes a request at; below any sensible minimum for the counted ones.</summary>
    public LogEventLevel LevelOf(HttpContext context, double elapsedMs, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = context.Response.StatusCode;
        if (exception is null && status is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
        {
            if (context.Request.Path.StartsWithSegments(HealthServiceEndpointOptions.DefaultDetailsPath, StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _refusedDetails);
            }
            else
            {
                Interlocked.Increment(ref _unmatched);
            }

            return LogEventLevel.Verbose;
        }

        return exception is not null || status >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error : LogEventLevel.Information;
    }

    /// <summary>Returns the counts since the last call and starts again from zero.</summary>
    public (long Unmatched, long RefusedDetails) TakeCounts() =>
        (Interlocked.Exchange(ref _unmatched, 0), Interlocked.Exchange(ref _refusedDetails, 0));
}
