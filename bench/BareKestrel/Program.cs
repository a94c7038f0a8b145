// Reference for bench/run.sh: the least an ASP.NET Core app can do to answer GET /health with 200 "OK".
//
// Choice of handler: a RequestDelegate (no minimal-API parameter binding, no IResult) writing a body encoded once,
// with the same status and headers the service sends (Content-Type "text/plain; charset=utf-8",
// Cache-Control "no-store", Content-Length 2). Both processes put the same bytes on the wire, so the benchmark
// measures only what the service adds on top of Kestrel + routing (its middleware, logging, probe pipeline),
// not a difference in response size. Routing is kept because the service routes too.
//
// Host: WebApplication.CreateBuilder like the service, so the default host and middleware are the same on both sides.
// Logging: default providers, minimum level Warning (set in code; a Logging:LogLevel:Default from args/env still
// wins), so console logging costs nothing per request and start-up lines do not distort the run.

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();
var ok = "OK"u8.ToArray();
app.MapGet("/health", context =>
{
    var response = context.Response;
    response.StatusCode = StatusCodes.Status200OK;
    response.ContentType = "text/plain; charset=utf-8";
    response.Headers.CacheControl = "no-store";
    response.ContentLength = ok.Length;
    return response.Body.WriteAsync(ok, context.RequestAborted).AsTask();
});
await app.RunAsync();
