using System.Text.Json;
using HealthService.History;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health/history</c>: the readiness transitions and every probe's results over <c>Health:History:Window</c>, as
/// JSON, from memory (it never runs a probe). Admitted exactly as the details view. Always <c>200</c> when admitted:
/// the history was read, whatever the verdict in it (<c>/health</c> and the details view answer the verdict).
/// Streamed from a <see cref="HistorySnapshot"/>: a read neither copies the history nor buffers the whole body.
/// </summary>
internal sealed class HistoryEndpoint(HealthHistory history, OperatorAccess access)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task HandleAsync(HttpContext context)
    {
        if (!OperatorRead.Admit(context, access))
        {
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
        await using (json.ConfigureAwait(false))
        {
            await HistoryResponseWriter.WriteAsync(json, response.BodyWriter, history.Snapshot(), history.MaxEntries, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
