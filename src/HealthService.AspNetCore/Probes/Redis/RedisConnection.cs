using StackExchange.Redis;

namespace HealthService.Probes.Redis;

/// <summary>
/// The one <see cref="ConnectionMultiplexer"/> of one configured Redis, shared through DI (keyed by the probe's
/// name) and made on the first probe call, never at start-up: one TCP connection to the server whatever the
/// request rate on <c>/health</c>, which the multiplexer re-establishes by itself after a failure.
/// </summary>
/// <remarks>
/// Until the first connection succeeds, each attempt is made by a probe call, one at a time, and fails with its
/// cause (refused, authentication failed, timed out), and its multiplexer is disposed with its socket. Once
/// connected, the multiplexer is kept; while it reconnects, the cause of its last failure is kept too, because
/// the "no connection available" of a PING does not always carry it. Disposing closes the multiplexer, including
/// one whose connect was still in flight and succeeds afterwards.
/// </remarks>
internal sealed class RedisConnection : IAsyncDisposable
{
    /// <summary>The most connections one probed Redis ever sees from this instance.</summary>
    public const int MaxConnectionsPerServer = 2;

    private readonly ConfigurationOptions _options;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private volatile Exception? _lastFailure;
    private bool _disposed;

    public RedisConnection(string connectionString, TimeSpan deadline)
    {
        _options = Bounded(ConfigurationOptions.Parse(connectionString), deadline);
        _options.SetDefaultPorts();
        Target = _options.EndPoints.Count > 0 ? Describe(_options.EndPoints[0]) : "(no endpoint)";
    }

    /// <summary>Where the probe goes, without credentials: <c>host:port</c>, the first endpoint configured.</summary>
    public string Target { get; }

    /// <summary>Why the connected multiplexer last lost its connection; null once it is restored.</summary>
    public Exception? LastFailure => _lastFailure;

    /// <summary>The multiplexer, connected or reconnecting; the wait ends when <paramref name="cancellationToken"/> does.</summary>
    public Task<ConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        Task<ConnectionMultiplexer> connecting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // One attempt at a time, shared by every caller: a probe abandoned at its deadline leaves it running,
            // and the next one waits for the same attempt instead of starting another.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync();
            }

            connecting = _connecting;
        }

        return connecting.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            _disposed = true;
            connecting = _connecting;
        }

        if (connecting is null)
        {
            return;
        }

        if (connecting.IsCompleted)
        {
            if (connecting.IsCompletedSuccessfully)
            {
                await connecting.Result.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        // An attempt still in flight (the host stopping during a connect) is not waited for, but whatever it
        // connects is closed when it does: otherwise its socket, heartbeat and reconnects outlive the host.
        _ = connecting.ContinueWith(
            static attempt => attempt.Result.Dispose(),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_options).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => _lastFailure = e.Exception;
        multiplexer.ConnectionRestored += (_, _) => _lastFailure = null;
        return multiplexer;
    }

    /// <summary>The parsed configuration string; null when it is empty or does not parse (start-up validation says so).</summary>
    internal static ConfigurationOptions? TryParse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        try
        {
            return ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException or RedisException)
        {
            return null;
        }
    }

    /// <summary>The options the probe connects with: the user's, bounded so that nothing outlives the deadline or piles up.</summary>
    internal static ConfigurationOptions Bounded(ConfigurationOptions options, TimeSpan deadline)
    {
        var milliseconds = Math.Max(1, (int)Math.Ceiling(deadline.TotalMilliseconds));
        // The first connection: one attempt per probe call that fails with its cause, within half the deadline (the
        // other half is the PING's). Once connected, the multiplexer reconnects by itself, one attempt at a time.
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = AtMost(options.ConnectTimeout, Math.Max(1, milliseconds / 2));
        // The heartbeat is what closes a connection stuck before the server's first answer, and what times out
        // commands: twice per deadline, so neither outlives it by more than half of it.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(50, milliseconds / 2)));
        options.SyncTimeout = AtMost(options.SyncTimeout, milliseconds);
        options.AsyncTimeout = AtMost(options.AsyncTimeout, milliseconds);
        options.ConnectRetry = 1;
        // A PING sent while disconnected fails at once instead of waiting in a backlog for the next connection.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        // Reconnect attempts once a second rather than backing off to 10 s: recovery shows in the next round.
        options.ReconnectRetryPolicy = new LinearRetry(1000);
        // Only PING is needed: without SUBSCRIBE the multiplexer opens no second (subscription) connection, without
        // a tie-breaker key or configuration channel it reads and subscribes to nothing on connect.
        options.CommandMap = CommandMap.Create(["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "PUBLISH", "SPUBLISH"], available: false);
        options.TieBreaker = "";
        options.ConfigurationChannel = "";
        options.ClientName ??= "HealthService";
        return options;
    }

    private static string Describe(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "(no endpoint)",
    };

    private static int AtMost(int configured, int milliseconds) => configured is > 0 && configured <= milliseconds ? configured : milliseconds;
}
