using System.Net;
using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A TCP relay on loopback in front of a port, as a sidecar proxy (Envoy, nginx) in the service's network namespace:
/// every connection it forwards reaches the service from 127.0.0.1, whoever the original caller was.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpRelay(int targetPort)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(targetPort);
    }

    public int Port { get; }

    private async Task AcceptAsync(int targetPort)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = RelayAsync(client, targetPort);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client, int targetPort)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // a side closed: the relayed connection ends
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
