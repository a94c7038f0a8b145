using System.Text.Json;
using HealthService.Configuration;
using HealthService.Lifecycle;
using Microsoft.Extensions.Options;

namespace HealthService.Endpoints;

/// <summary>
/// <c>/health/maintenance</c>: takes the instance out of rotation without stopping it. <c>GET</c> tells the state,
/// <c>PUT</c> with <c>{"reason":"...","ttl":"30m"}</c> turns it on (<c>/health</c> then answers <c>503 Maintenance</c>
/// until the time-to-live ends), <c>DELETE</c> turns it off. Any operator caller (<see cref="OperatorAccess"/>) may
/// read the state; only the local listener and the maintenance key may change it, and a caller with the details key
/// that tries gets <c>403</c> saying which key it needs. To anyone else it answers exactly as an unknown path does.
/// </summary>
internal sealed class MaintenanceEndpoint(OperatorAccess access, MaintenanceState maintenance, TimeProvider time, ILogger<MaintenanceEndpoint> logger, IOptions<HealthServiceOptions> options)
{
    private const int MaxReasonLength = 200;
    private const int MaxBodyBytes = 4096;
    private static readonly string TooLarge = $"the body must be at most {MaxBodyBytes} bytes";

    public async Task HandleAsync(HttpContext context)
    {
        var caller = access.Identify(context);
        if (!OperatorAccess.MayReadMaintenance(caller))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var method = context.Request.Method;
        if ((HttpMethods.IsPut(method) || HttpMethods.IsDelete(method)) && !OperatorAccess.MayChangeMaintenance(caller))
        {
            var key = $"{options.Value.SectionPath}:Maintenance:ApiKey";
            await WriteAsync(context, StatusCodes.Status403Forbidden, json => json.WriteString("error",
                $"turning maintenance on or off needs {key} in {DetailsOptions.ApiKeyHeader} (or the local listener): the key sent only reads")).ConfigureAwait(false);
            return;
        }

        var by = OperatorAccess.Name(caller);
        if (HttpMethods.IsPut(method))
        {
            var (reason, ttl, status, problem) = await ReadRequestAsync(context.Request).ConfigureAwait(false);
            if (problem is not null)
            {
                await WriteAsync(context, status, json => json.WriteString("error", problem)).ConfigureAwait(false);
                return;
            }

            maintenance.TurnOn(reason, ttl, by);
            logger.MaintenanceStarted(by, ttl, reason);
        }
        else if (HttpMethods.IsDelete(method))
        {
            if (maintenance.TurnOff() is { } ended)
            {
                logger.MaintenanceEnded(caller == OperatorCaller.Local ? "turned off (local)" : "turned off (maintenance key)", ended.Reason);
            }
        }
        else if (!HttpMethods.IsGet(method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, PUT, DELETE";
            return;
        }

        await WriteAsync(context, StatusCodes.Status200OK, WriteState).ConfigureAwait(false);
    }

    private void WriteState(Utf8JsonWriter json)
    {
        var window = maintenance.Current;
        json.WriteBoolean("maintenance", window is not null);
        if (window is not null)
        {
            json.WriteString("reason", window.Reason);
            json.WriteString("by", window.By);
            json.WriteString("since", window.Since);
            json.WriteString("until", window.Until);
            json.WriteNumber("remainingSeconds", Math.Max(0, Math.Ceiling((window.Until - time.GetUtcNow()).TotalSeconds)));
        }
    }

    /// <summary>The request's reason and time-to-live, or the status and problem to answer with.</summary>
    private static async Task<(string Reason, TimeSpan Ttl, int Status, string? Problem)> ReadRequestAsync(HttpRequest request)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return ("", default, StatusCodes.Status413PayloadTooLarge, TooLarge);
        }

        // A chunked body has no Content-Length: the limit holds on what is read, and reading stops one byte past it.
        var read = await ReadAtMostAsync(request.Body, MaxBodyBytes + 1, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (read.Length > MaxBodyBytes)
        {
            return ("", default, StatusCodes.Status413PayloadTooLarge, TooLarge);
        }

        string reason = "";
        var ttl = MaintenanceState.DefaultTtl;
        try
        {
            using var body = JsonDocument.Parse(read);
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ("", default, StatusCodes.Status400BadRequest, "the body must be a JSON object such as {\"reason\":\"migration\",\"ttl\":\"30m\"}");
            }

            if (body.RootElement.TryGetProperty("reason", out var given) && given.ValueKind == JsonValueKind.String)
            {
                reason = Clean(given.GetString() ?? "");
            }

            if (body.RootElement.TryGetProperty("ttl", out var text)
                && (text.ValueKind != JsonValueKind.String || !Duration.TryParse(text.GetString(), out ttl)))
            {
                return ("", default, StatusCodes.Status400BadRequest, "ttl must be a duration such as 90s, 30m or 2h");
            }
        }
        catch (JsonException)
        {
            return ("", default, StatusCodes.Status400BadRequest, "the body must be a JSON object such as {\"reason\":\"migration\",\"ttl\":\"30m\"}");
        }

        return ttl < MaintenanceState.MinTtl || ttl > MaintenanceState.MaxTtl
            ? ("", default, StatusCodes.Status400BadRequest, "ttl must be from 1 second to 24 hours")
            : (reason, ttl, StatusCodes.Status200OK, null);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAtMostAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit];
        var length = 0;
        int read;
        while (length < limit && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return buffer.AsMemory(0, length);
    }

    // The reason reaches the log and the detailed view: one line, bounded, no control characters.
    private static string Clean(string reason)
    {
        var line = new string([.. reason.Where(c => !char.IsControl(c))]).Trim();
        return line.Length <= MaxReasonLength ? line : line[..MaxReasonLength];
    }

    private static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        var json = new Utf8JsonWriter(response.BodyWriter);
        await using (json.ConfigureAwait(false))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
            await json.FlushAsync().ConfigureAwait(false);
        }
    }
}
