namespace HealthService.Endpoints;

/// <summary>
/// Writes the short plain-text answers of the health endpoints. Bodies are encoded once, so answering a request
/// allocates nothing beyond what Kestrel itself does.
/// </summary>
internal static class PlainTextResponse
{
    public static readonly byte[] Ok = "OK"u8.ToArray();
    public static readonly byte[] Unhealthy = "Unhealthy"u8.ToArray();
    public static readonly byte[] Starting = "Starting"u8.ToArray();
    public static readonly byte[] Draining = "Draining"u8.ToArray();
    public static readonly byte[] Stale = "Stale"u8.ToArray();
    public static readonly byte[] Maintenance = "Maintenance"u8.ToArray();

    public static async Task WriteAsync(HttpContext context, int statusCode, byte[] body, string? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        if (retryAfter is not null)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        response.ContentType = "text/plain; charset=utf-8";
        // Load balancers and proxies must never answer a health check from a cache.
        response.Headers.CacheControl = "no-store";
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            // No RequestAborted: its getter takes a lock and creates a token source per connection, and a body of a
            // few bytes with a Content-Length goes straight into Kestrel's output buffer, with nothing to cancel.
            await response.Body.WriteAsync(body).ConfigureAwait(false);
        }
    }
}
