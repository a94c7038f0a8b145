using System.Collections.Concurrent;
using System.Diagnostics;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Fleet;

/// <summary>
/// Steady client traffic through the load balancer: a few loops, each sending <c>GET /health/live</c> (which every
/// live instance serves, draining included) one request after another, half of them over one kept-alive connection
/// each and half on a fresh connection per request (<c>Connection: close</c>). Every request is recorded with the
/// instance that served it. Any answer but <c>200 OK</c> from an instance, and any exception or timeout, is a client
/// error. Bounded: each loop stops after <see cref="MaxRequestsPerLoop"/> requests or <see cref="MaxDuration"/>.
/// </summary>
internal sealed class ClientLoad : IAsyncDisposable
{
    public const string Path = "/health/live";

    private const int MaxRequestsPerLoop = 20_000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10); // beyond HAProxy's own server timeout (5 s, then 504)
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(10);

    private readonly Func<TimeSpan> _clock;
    private readonly ConcurrentQueue<ClientRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new(MaxDuration);
    private readonly HttpClient _keepAlive;
    private readonly HttpClient _close;
    private readonly Task[] _loops;

    public ClientLoad(Uri baseUrl, Func<TimeSpan> clock, int keepAliveLoops = 2, int closeLoops = 2)
    {
        _clock = clock;
        _keepAlive = new HttpClient { BaseAddress = baseUrl, Timeout = RequestTimeout };
        _close = new HttpClient { BaseAddress = baseUrl, Timeout = RequestTimeout };
        _close.DefaultRequestHeaders.ConnectionClose = true;
        _loops = [
            .. Enumerable.Range(0, keepAliveLoops).Select(_ => Task.Run(() => LoopAsync(_keepAlive, keepAlive: true))),
            .. Enumerable.Range(0, closeLoops).Select(_ => Task.Run(() => LoopAsync(_close, keepAlive: false))),
        ];
    }

    public IReadOnlyList<ClientRequest> Requests => [.. _requests];

    public IReadOnlyList<ClientRequest> Failures => [.. _requests.Where(r => r.Failure is not null)];

    /// <summary>Requests sent in [<paramref name="from"/>, <paramref name="to"/>) that <paramref name="instance"/> served.</summary>
    public int ServedBy(string instance, TimeSpan from, TimeSpan to) =>
        _requests.Count(r => r.Backend == instance && r.SentAt >= from && r.SentAt < to);

    /// <summary>Polls until <paramref name="instance"/> has served <paramref name="count"/> requests sent after <paramref name="after"/>.</summary>
    public async Task WaitForServedByAsync(string instance, TimeSpan after, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (ServedBy(instance, after, TimeSpan.MaxValue) < count)
        {
            if (waited.Elapsed > timeout || _stop.IsCancellationRequested)
            {
                Assert.Fail($"Instance {instance} served {ServedBy(instance, after, TimeSpan.MaxValue)} of {count} requests sent after {after} "
                    + $"within {timeout}. {Summary()}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops the loops and waits for their last requests (each bounded by the request timeout).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    /// <summary>Counts by instance and by connection mode, and the first failures, for messages and the test output.</summary>
    public string Summary()
    {
        var requests = Requests;
        var byInstance = string.Join(", ", requests.Where(r => r.Backend is not null).GroupBy(r => r.Backend)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        var failures = requests.Where(r => r.Failure is not null).ToList();
        return $"{requests.Count} requests ({requests.Count(r => r.KeepAlive)} kept-alive, {requests.Count(r => !r.KeepAlive)} Connection: close; "
            + $"served by {byInstance}), {failures.Count} failed"
            + string.Concat(failures.Take(10).Select(f => $"\n  {f}"));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _keepAlive.Dispose();
        _close.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync(HttpClient client, bool keepAlive)
    {
        for (var i = 0; i < MaxRequestsPerLoop && !_stop.IsCancellationRequested; i++)
        {
            var sentAt = _clock();
            string? backend = null;
            string? failure = null;
            try
            {
                // Not cancelled by the stop: a request that has been sent is always seen to its end (or timeout).
                using var response = await client.GetAsync(Path, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                backend = response.Headers.TryGetValues(HaproxyServer.BackendHeader, out var values) ? values.FirstOrDefault() : null;
                if ((int)response.StatusCode != 200 || body != "OK" || backend is null)
                {
                    failure = $"{(int)response.StatusCode} {body.ReplaceLineEndings(" ")} from {backend ?? "HAProxy itself"}";
                }
            }
            catch (Exception ex) when (RequestFailure.IsTransport(ex) || ex is TaskCanceledException)
            {
                failure = RequestFailure.Describe(ex);
            }

            _requests.Enqueue(new ClientRequest(keepAlive, sentAt, _clock(), backend, failure));
            try
            {
                await Task.Delay(Pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>One client request through the load balancer: when it was sent and answered (on the fleet's clock), who served it, what went wrong.</summary>
internal sealed record ClientRequest(bool KeepAlive, TimeSpan SentAt, TimeSpan AnsweredAt, string? Backend, string? Failure)
{
    public override string ToString() =>
        $"{(KeepAlive ? "kept-alive" : "close")} request sent at {SentAt.TotalSeconds:0.000} s, answered at {AnsweredAt.TotalSeconds:0.000} s: "
        + (Failure ?? $"200 from {Backend}");
}
