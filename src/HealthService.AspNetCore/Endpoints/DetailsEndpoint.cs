using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HealthService.Configuration;
using HealthService.Identity;
using HealthService.Pipeline;
using Microsoft.Extensions.Options;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health/details</c>: every probe's status, duration, tags and sanitised reason, from the latest snapshot
/// (it never triggers an evaluation). Off by default; when on, it admits callers on the local listener
/// (<c>Health:Details:LocalPort</c>, bound to 127.0.0.1) and callers that send the key. To any other caller it
/// answers exactly as an unknown path does (<c>404</c>, any method), so scanners learn nothing.
/// </summary>
internal sealed class DetailsEndpoint(HealthSnapshotStore store, ReadinessDecision decision, IOptions<HealthServiceOptions> options, TimeProvider time, InstanceIdentityProvider identity)
{
    // The body is served as application/json, never embedded in HTML: '+' in a version need not be escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Read on first use, not when the endpoint is mapped: options are validated when the host starts.
    private readonly Lazy<(bool Enabled, int LocalPort, byte[]? KeyHash)> _access = new(() => (
        options.Value.Details.Enabled,
        options.Value.Details.LocalPort,
        options.Value.Details.ApiKey is { Length: > 0 } key ? Hash(key) : null));

    public async Task HandleAsync(HttpContext context)
    {
        if (!Admits(context))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
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
            DetailsResponseWriter.Write(json, snapshot, readiness, time.GetUtcNow(), identity.Current);
            await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    private bool Admits(HttpContext context)
    {
        var (enabled, localPort, keyHash) = _access.Value;
        if (!enabled)
        {
            return false;
        }

        // Never by the caller's address: a proxy beside the service makes every caller look local. A connection that
        // arrived on the local listener did come from this machine, since that listener is bound to 127.0.0.1 only.
        var connection = context.Connection;
        if (localPort > 0 && connection.LocalPort == localPort && connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local))
        {
            return true;
        }

        // Comparing fixed-length hashes in constant time reveals neither the key nor its length through timing.
        return keyHash is not null
            && context.Request.Headers.TryGetValue(DetailsOptions.ApiKeyHeader, out var sent)
            && sent.Count == 1
            && CryptographicOperations.FixedTimeEquals(Hash(sent[0] ?? ""), keyHash);
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
