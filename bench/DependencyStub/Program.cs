// The HTTP dependency of the benchmark (bench/run.sh): the service's HTTP probe calls GET /dependency on loopback,
// and the benchmark reads how often it was called and makes it hang.
//
//   GET  /dependency   200 "OK"; while hung, never answers (the request waits until /recover or the caller gives up)
//   GET  /hits         how many /dependency requests arrived since start (answered or not), as text
//   POST /hang         from now on /dependency never answers
//   POST /recover      /dependency answers again, and the requests held so far are answered too
//
// Logging at Warning: nothing per request.
using System.Globalization;
using DependencyStub;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();
var state = new DependencyState();
var ok = "OK"u8.ToArray();

app.MapGet("/dependency", async context =>
{
    state.CountHit();
    if (state.Hang is { } hang)
    {
        try
        {
            await hang.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return; // the caller gave up (the probe's deadline): nothing to answer
        }
    }

    context.Response.ContentType = "text/plain; charset=utf-8";
    context.Response.ContentLength = ok.Length;
    await context.Response.Body.WriteAsync(ok, context.RequestAborted);
});
app.MapGet("/hits", () => state.Hits.ToString(CultureInfo.InvariantCulture));
app.MapPost("/hang", () =>
{
    state.StartHanging();
    return Results.NoContent();
});
app.MapPost("/recover", () =>
{
    state.Recover();
    return Results.NoContent();
});

await app.RunAsync();

namespace DependencyStub
{
    /// <summary>The hit counter and the hang switch, shared by every request.</summary>
    internal sealed class DependencyState
    {
        private readonly Lock _lock = new();
        private long _hits;
        private TaskCompletionSource? _hang;

        public long Hits => Interlocked.Read(ref _hits);

        /// <summary>While hung, a task that completes on <see cref="Recover"/>; otherwise null.</summary>
        public Task? Hang
        {
            get
            {
                lock (_lock)
                {
                    return _hang?.Task;
                }
            }
        }

        public void CountHit() => Interlocked.Increment(ref _hits);

        public void StartHanging()
        {
            lock (_lock)
            {
                _hang ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Recover()
        {
            TaskCompletionSource? held;
            lock (_lock)
            {
                held = _hang;
                _hang = null;
            }

            held?.TrySetResult();
        }
    }
}
