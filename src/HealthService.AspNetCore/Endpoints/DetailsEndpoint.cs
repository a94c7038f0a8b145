using System.Text.Json;
using HealthService.Identity;
using HealthService.Lifecycle;
using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health/details</c>: every probe's status, duration, tags and sanitised reason, from the latest snapshot
/// (it never triggers an evaluation). Off by default; when on, it admits callers on the local listener
/// (<c>Health:Details:LocalPort</c>, bound to 127.0.0.1) and callers that send the details key. To any other caller
/// (the maintenance key included: it is no right to read every dependency) it answers exactly as an unknown path does
/// (<c>404</c>, any method), so scanners learn nothing.
/// </summary>
internal sealed class DetailsEndpoint(HealthSnapshotStore store, ReadinessDecision decision, OperatorAccess access, MaintenanceState maintenance, TimeProvider time, InstanceIdentityProvider identity)
{
    // The body is served as application/json, never embedded in HTML: '+' in a version need not be escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task HandleAsync(HttpContext context)
    {
        if (!OperatorRead.Admit(context, access))
        {
            return;
        }

        var snapshot = store.Current;
        var state = decision.Of(snapshot);
        var readiness = ReadinessDecision.Name(state);
        var response = context.Response;
        response.StatusCode = state == Readiness.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
        await using (json.ConfigureAwait(false))
        {
            DetailsResponseWriter.Write(json, snapshot, readiness, maintenance.Current, time.GetUtcNow(), identity.Current);
            await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
