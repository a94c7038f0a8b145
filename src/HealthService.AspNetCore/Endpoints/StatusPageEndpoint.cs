using HealthService.History;
using HealthService.Identity;
using HealthService.Lifecycle;
using HealthService.Pipeline;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health/ui</c>: the status page, rendered on the server from the history and the latest snapshot (it never
/// runs a probe). Admitted exactly as the details view; always <c>200</c> when admitted, whatever the verdict shown.
/// </summary>
internal sealed class StatusPageEndpoint(HealthHistory history, HealthSnapshotStore store, OperatorAccess access, MaintenanceState maintenance, InstanceIdentityProvider identity)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (!OperatorRead.Admit(context, access))
        {
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy = StatusPage.ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var page = StatusPage.Render(history.Read(), store.Current, maintenance.Current, identity.Current, DetailsResponseWriter.Version);
        await response.WriteAsync(page, context.RequestAborted).ConfigureAwait(false);
    }
}
