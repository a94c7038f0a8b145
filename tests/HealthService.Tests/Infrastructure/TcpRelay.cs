using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A TCP relay on loopback in front of a port. As a sidecar proxy (Envoy, nginx) in the service's network namespace,
/// every connection it forwards reaches the service from 127.0.0.1, whoever the original caller was. In front of a
/// dependency's server it counts, exactly, the connections made through it: every one accepted, and the most that
/// were open at the same time (a sampled count, a process list read now and then, misses a connection that lives for
/// a few seconds between two samples; this one cannot). A connection counts as open from its accept until both of its
/// sides are closed.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly int _targetPort;
    private readonly List<Task> _relays = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<string> _events = new();
    private int _open;
    private int _maxOpen;
    private int _accepted;

    public TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Connections open through the relay now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>The most connections that were open through the relay at the same time since it started.</summary>
    public int MaxOpen => Volatile.Read(ref _maxOpen);

    /// <summary>Every connection the relay has accepted since it started.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Seconds since the relay started, each with +n (a connection accepted, n open) or -n (one closed, n left).</summary>
    public string Timeline => string.Join("; ", _events);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                var open = Interlocked.Increment(ref _open);
                _events.Enqueue($"{_clock.Elapsed.TotalSeconds:0.000} +{open}");
                for (var max = Volatile.Read(ref _maxOpen); open > max; max = Volatile.Read(ref _maxOpen))
                {
                    if (Interlocked.CompareExchange(ref _maxOpen, open, max) == max)
                    {
                        break;
                    }
                }

                lock (_relays)
                {
                    _relays.RemoveAll(t => t.IsCompleted);
                    _relays.Add(RelayAsync(client));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        try
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                try
                {
                    await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                    var down = client.GetStream();
                    var up = upstream.GetStream();
                    // Either side closing ends the relayed connection, as it would end a direct one.
                    await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
                {
                    // a side closed or reset: the relayed connection ends
                }
            }
        }
        finally
        {
            var left = Interlocked.Decrement(ref _open);
            _events.Enqueue($"{_clock.Elapsed.TotalSeconds:0.000} -{left}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll(relays);
        _stop.Dispose();
    }
}
