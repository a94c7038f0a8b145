using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 that plays an external API for integration tests. It is built on a raw
/// <see cref="TcpListener"/> rather than Kestrel so that it can misbehave as real dependencies do: answer late, never
/// answer, hang up, or reset the connection halfway through a response.
/// </summary>
public sealed class StubHttpServer : IAsyncDisposable
{
    private const int MaxConnections = 256;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly ConcurrentQueue<StubRequest> _requests = new();
    private readonly ConcurrentQueue<StubBehavior> _next = new();
    private readonly Task _accepting;
    private StubBehavior _behavior;
    private int _hits;
    private int _disposed;

    private StubHttpServer(StubBehavior behavior)
    {
        _behavior = behavior;
        _listener = new TcpListener(IPAddress.Loopback, 0); // loopback only, never any other address
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>Starts listening on a free loopback port; without a behaviour it answers 200 "OK".</summary>
    public static StubHttpServer Start(StubBehavior? behavior = null) => new(behavior ?? StubBehavior.Status(200, "OK"));

    public int Port { get; }

    /// <summary>The address of <paramref name="pathAndQuery"/> on this server, e.g. <c>http://127.0.0.1:41234/health</c>.</summary>
    public Uri Url(string pathAndQuery = "/health")
    {
        if (!pathAndQuery.StartsWith('/'))
        {
            throw new ArgumentException("The path must start with '/'.", nameof(pathAndQuery));
        }

        return new Uri($"http://127.0.0.1:{Port}{pathAndQuery}");
    }

    /// <summary>
    /// How the server answers. A change applies to every request whose head is read after it; a request already
    /// counted in <see cref="Hits"/> keeps the behaviour it was read under.
    /// </summary>
    public StubBehavior Behavior
    {
        get => Volatile.Read(ref _behavior);
        set => Volatile.Write(ref _behavior, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>
    /// The next requests get these answers, one each, in order; then <see cref="Behavior"/> answers again. Counting
    /// answers instead of swapping <see cref="Behavior"/> at the right moment makes "exactly two failed probe calls" exact.
    /// </summary>
    public void AnswerNext(params StubBehavior[] answers)
    {
        foreach (var answer in answers)
        {
            _next.Enqueue(answer ?? throw new ArgumentNullException(nameof(answers)));
        }
    }

    /// <summary>The number of requests whose head (and body, if any) was fully read, whatever the answer was.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>A snapshot of the requests so far, oldest first.</summary>
    public IReadOnlyList<StubRequest> Requests => [.. _requests];

    /// <summary>Polls until at least <paramref name="count"/> requests have arrived, failing after the timeout.</summary>
    public async Task WaitForHitsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        while (Hits < count)
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"The stub on port {Port} had {Hits} of {count} requests after {timeout}.");
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Stops accepting, closes every connection and waits (bounded) for their tasks. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _stopping.CancelAsync();
            _listener.Stop();
            await _accepting.WaitAsync(ShutdownTimeout);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or TimeoutException)
        {
            // Stopping is best effort; the connections below are closed regardless.
        }

        // The accept loop has finished, so no connection can be added after this snapshot.
        var connections = _connections.ToArray();
        foreach (var (socket, _) in connections)
        {
            socket.Dispose();
        }

        try
        {
            await Task.WhenAll(connections.Select(c => c.Value)).WaitAsync(ShutdownTimeout);
            _stopping.Dispose();
        }
        catch (Exception)
        {
            // A connection that failed or outlived the timeout is of no interest once the test is over.
        }
    }

    private async Task AcceptAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(stopping);
            }
            catch (SocketException ex) when (!stopping.IsCancellationRequested
                && ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // the client gave up before we accepted; keep listening
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }

            if (_connections.Count >= MaxConnections)
            {
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var serving = Task.Run(() => ServeAsync(socket, stopping), CancellationToken.None);
            _connections[socket] = serving;
            _ = serving.ContinueWith(served => _connections.TryRemove(socket, out _), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Serves one connection: request after request until EOF, <c>Connection: close</c>, an error or disposal.</summary>
    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        try
        {
            await using var connection = new Connection(socket);
            while (!stopping.IsCancellationRequested)
            {
                var head = await connection.ReadHeadAsync(stopping);
                if (head is null)
                {
                    return; // EOF, or a broken or oversized head that has been answered
                }

                // The behaviour is fixed before the hit is counted, so a test that sees the hit and then swaps the
                // behaviour cannot change the answer to this request.
                var behavior = _next.TryDequeue(out var next) ? next : Behavior;
                var receivedAt = DateTimeOffset.UtcNow;

                // The request is recorded once its body (if any) has been read, so a test that sees the hit sees the body.
                var body = await connection.ReadBodyAsync(head, stopping);
                if (body is null)
                {
                    return;
                }

                _requests.Enqueue(head.Request with { Body = Encoding.UTF8.GetString(body), ReceivedAt = receivedAt });
                Interlocked.Increment(ref _hits);

                var keepAlive = await AnswerAsync(connection, head, behavior, stopping);
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the server is being disposed.
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Answers as <paramref name="behavior"/> says; returns whether the connection may carry another request.</summary>
    private static async Task<bool> AnswerAsync(Connection connection, RequestHead head, StubBehavior behavior, CancellationToken stopping)
    {
        switch (behavior)
        {
            case StubBehavior.StatusAnswer status:
                return await connection.WriteAnswerAsync(head, status.Code, status.Body, location: null, stopping);

            case StubBehavior.SlowAnswer slow:
                await Task.Delay(slow.Delay, stopping);
                return await connection.WriteAnswerAsync(head, slow.Code, "", location: null, stopping);

            case StubBehavior.RedirectAnswer redirect:
                return await connection.WriteAnswerAsync(head, redirect.Code, "", redirect.Location, stopping);

            case StubBehavior.NeverAnswerBehavior:
                await connection.HoldUntilClosedAsync(stopping);
                return false;

            case StubBehavior.ResetMidResponseBehavior:
                await connection.ResetMidResponseAsync(stopping);
                return false;

            case StubBehavior.CloseWithoutAnswerBehavior:
                await connection.CloseGracefullyAsync(stopping);
                return false;

            default:
                throw new InvalidOperationException($"Unknown behaviour {behavior}.");
        }
    }

    private sealed record RequestHead(StubRequest Request, long ContentLength, bool KeepAlive, bool ExpectsContinue);

    /// <summary>One accepted socket and the bytes read from it but not yet consumed.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private const int MaxHeadBytes = 16 * 1024;
        private const long MaxBodyBytes = 1024 * 1024;
        private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan ResetPause = TimeSpan.FromMilliseconds(50);

        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly byte[] _buffer = new byte[MaxHeadBytes];
        private int _filled;

        public Connection(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: false);
        }

        public ValueTask DisposeAsync() => _stream.DisposeAsync();

        /// <summary>Reads the next request head; null at EOF or when the head was refused (and the connection closed).</summary>
        public async Task<RequestHead?> ReadHeadAsync(CancellationToken stopping)
        {
            int end;
            while ((end = _buffer.AsSpan(0, _filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (_filled == _buffer.Length)
                {
                    await RefuseAsync(431, stopping);
                    return null;
                }

                var read = await _stream.ReadAsync(_buffer.AsMemory(_filled), stopping);
                if (read == 0)
                {
                    return null;
                }

                _filled += read;
            }

            var head = Parse(Encoding.Latin1.GetString(_buffer, 0, end));
            Consume(end + 4);
            if (head is null)
            {
                await RefuseAsync(400, stopping);
                return null;
            }

            if (head.ContentLength > MaxBodyBytes)
            {
                await RefuseAsync(413, stopping);
                return null;
            }

            if (head.ContentLength < 0)
            {
                // Transfer-Encoding (or a broken Content-Length): no framing this stub understands.
                await RefuseAsync(501, stopping);
                return null;
            }

            return head;
        }

        /// <summary>
        /// Reads the request body (at most <see cref="MaxBodyBytes"/>, as the head was refused otherwise), so that the
        /// next request starts in the right place; null if the client closed the connection first.
        /// </summary>
        public async Task<byte[]?> ReadBodyAsync(RequestHead head, CancellationToken stopping)
        {
            if (head.ContentLength == 0)
            {
                return [];
            }

            if (head.ExpectsContinue && _filled == 0)
            {
                await _stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), stopping);
            }

            var body = new byte[head.ContentLength];
            var buffered = (int)Math.Min(body.Length, _filled);
            _buffer.AsSpan(0, buffered).CopyTo(body);
            Consume(buffered);
            for (var filled = buffered; filled < body.Length;)
            {
                var read = await _stream.ReadAsync(body.AsMemory(filled), stopping);
                if (read == 0)
                {
                    return null;
                }

                filled += read;
            }

            return body;
        }

        /// <summary>Writes a complete answer; returns whether the connection stays open.</summary>
        public async Task<bool> WriteAnswerAsync(RequestHead head, int code, string body, string? location, CancellationToken stopping)
        {
            var bodyless = code is 204 or 304;
            var payload = bodyless ? [] : Encoding.UTF8.GetBytes(body);
            var text = new StringBuilder()
                .Append($"HTTP/1.1 {code} {Reason(code)}\r\n")
                .Append("Server: StubHttpServer\r\n");
            if (!bodyless)
            {
                text.Append("Content-Type: text/plain; charset=utf-8\r\n").Append($"Content-Length: {payload.Length}\r\n");
            }

            if (location is not null)
            {
                text.Append($"Location: {location}\r\n");
            }

            text.Append(head.KeepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n").Append("\r\n");

            var send = Encoding.ASCII.GetBytes(text.ToString());
            if (head.Request.Method != "HEAD" && payload.Length > 0)
            {
                send = [.. send, .. payload];
            }

            await _stream.WriteAsync(send, stopping);
            if (!head.KeepAlive)
            {
                await CloseGracefullyAsync(stopping);
            }

            return head.KeepAlive;
        }

        /// <summary>Says nothing and keeps the connection open until the client closes it or the server is disposed.</summary>
        public async Task HoldUntilClosedAsync(CancellationToken stopping)
        {
            while (await _stream.ReadAsync(_buffer, stopping) > 0)
            {
                // Discard whatever the client sends meanwhile; only its EOF or disposal ends the wait.
            }
        }

        /// <summary>Sends the start of a response head, then aborts the connection with a TCP RST.</summary>
        public async Task ResetMidResponseAsync(CancellationToken stopping)
        {
            await _stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/pl"u8.ToArray(), stopping);
            await Task.Delay(ResetPause, stopping); // let the partial head reach the client before the reset
            _socket.LingerState = new LingerOption(true, 0);
            _socket.Close();
        }

        /// <summary>
        /// Sends FIN, then drains what the client still sends (bounded in time and bytes) so that closing with unread
        /// data does not turn the FIN into a RST.
        /// </summary>
        public async Task CloseGracefullyAsync(CancellationToken stopping)
        {
            _socket.Shutdown(SocketShutdown.Send);
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            drain.CancelAfter(DrainTimeout);
            try
            {
                for (var i = 0; i < 64 && await _stream.ReadAsync(_buffer, drain.Token) > 0; i++)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // The client reset the connection or never closed its side; either way we are done.
            }

            _socket.Close();
        }

        private async Task RefuseAsync(int code, CancellationToken stopping)
        {
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {code} {Reason(code)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), stopping);
            await CloseGracefullyAsync(stopping);
        }

        private void Consume(int count)
        {
            _buffer.AsSpan(count, _filled - count).CopyTo(_buffer);
            _filled -= count;
        }

        private static string Reason(int code) => ReasonPhrases.GetReasonPhrase(code) is { Length: > 0 } reason ? reason : "Unknown";

        /// <summary>Parses a request head (without its final blank line); null if it is not HTTP/1.x.</summary>
        private static RequestHead? Parse(string text)
        {
            var lines = text.Split("\r\n");
            var start = lines[0].Split(' ');
            if (start.Length != 3 || start[0].Length == 0 || start[1].Length == 0
                || start[2] is not ("HTTP/1.1" or "HTTP/1.0"))
            {
                return null;
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || line.AsSpan(0, colon).ContainsAny(" \t"))
                {
                    return null;
                }

                var name = line[..colon];
                var value = line[(colon + 1)..].Trim(' ', '\t');
                headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
            }

            long contentLength = 0;
            if (headers.ContainsKey("Transfer-Encoding"))
            {
                contentLength = -1;
            }
            else if (headers.TryGetValue("Content-Length", out var length)
                && !long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength))
            {
                contentLength = -1;
            }

            var connection = headers.TryGetValue("Connection", out var c)
                ? c.Split(',', StringSplitOptions.TrimEntries)
                : [];
            var keepAlive = start[2] == "HTTP/1.1"
                ? !connection.Contains("close", StringComparer.OrdinalIgnoreCase)
                : connection.Contains("keep-alive", StringComparer.OrdinalIgnoreCase);
            var expectsContinue = headers.TryGetValue("Expect", out var expect)
                && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase);

            var request = new StubRequest(start[0], start[1], new ReadOnlyDictionary<string, string>(headers));
            return new RequestHead(request, contentLength, keepAlive, expectsContinue);
        }
    }
}

/// <summary>One request as the stub received it. <see cref="Path"/> is the request target, query included.</summary>
public sealed record StubRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The request body decoded as UTF-8; empty when there was none.</summary>
    public string Body { get; init; } = "";

    /// <summary>When the request head had been read (UTC).</summary>
    public DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>How a <see cref="StubHttpServer"/> answers a request.</summary>
public abstract record StubBehavior
{
    private StubBehavior()
    {
    }

    /// <summary>Answers <paramref name="code"/> (200–599) with a plain-text body.</summary>
    public static StubBehavior Status(int code, string body = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        ArgumentNullException.ThrowIfNull(body);
        return new StatusAnswer(code, body);
    }

    /// <summary>Waits <paramref name="delay"/> after reading the request, then answers <paramref name="code"/> with no body.</summary>
    public static StubBehavior Slow(TimeSpan delay, int code = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        return new SlowAnswer(delay, code);
    }

    /// <summary>Reads the request, then holds the connection open in silence until the client closes it or the server is disposed.</summary>
    public static StubBehavior NeverAnswer() => new NeverAnswerBehavior();

    /// <summary>Writes part of a response head, then aborts the connection with a TCP RST.</summary>
    public static StubBehavior ResetMidResponse() => new ResetMidResponseBehavior();

    /// <summary>Answers a 3xx redirect to <paramref name="location"/>.</summary>
    public static StubBehavior Redirect(string location, int code = 302)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (location.AsSpan().ContainsAny('\r', '\n'))
        {
            throw new ArgumentException("A Location cannot contain a line break.", nameof(location));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(code, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 399);
        return new RedirectAnswer(location, code);
    }

    /// <summary>Reads the request, then closes the connection cleanly (FIN) without sending a byte.</summary>
    public static StubBehavior CloseWithoutAnswer() => new CloseWithoutAnswerBehavior();

    internal sealed record StatusAnswer(int Code, string Body) : StubBehavior;

    internal sealed record SlowAnswer(TimeSpan Delay, int Code) : StubBehavior;

    internal sealed record NeverAnswerBehavior : StubBehavior;

    internal sealed record ResetMidResponseBehavior : StubBehavior;

    internal sealed record RedirectAnswer(string Location, int Code) : StubBehavior;

    internal sealed record CloseWithoutAnswerBehavior : StubBehavior;
}
