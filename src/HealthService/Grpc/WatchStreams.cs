namespace HealthService.Grpc;

/// <summary>
/// The open <c>Watch</c> streams, counted against <c>Health:Grpc:MaxWatchStreams</c>. Each one holds an HTTP/2 stream,
/// a call and a waiter for as long as its client keeps it open, and a client can open them as fast as it likes: the
/// bound keeps a careless or hostile client from taking the process's memory. Every service name counts, readiness,
/// <c>liveness</c> and unknown alike. <c>Check</c> holds nothing once answered and is never counted.
/// </summary>
internal sealed class WatchStreams(int limit)
{
    public const string LimitKey = "Health:Grpc:MaxWatchStreams";

    private int _open;

    /// <summary>Why a Watch beyond the bound is refused, naming the bound and its key.</summary>
    public string Refusal => $"too many Watch streams: {limit} are open, as many as {LimitKey} allows; retry later, or raise it";

    /// <summary>The streams open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>A slot, held until disposed; null when <see cref="Open"/> is already at the bound.</summary>
    public IDisposable? TryOpen()
    {
        // Taken first, then given back if it was one too many: two callers racing for the last slot cannot both get it.
        if (Interlocked.Increment(ref _open) <= limit)
        {
            return new Slot(this);
        }

        Interlocked.Decrement(ref _open);
        return null;
    }

    private sealed class Slot(WatchStreams streams) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Interlocked.Decrement(ref streams._open);
            }
        }
    }
}
