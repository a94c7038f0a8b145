using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace HealthService.Tests.Infrastructure;

/// <summary>A TLS server on 127.0.0.1 that presents one certificate, completes handshakes and sends nothing.</summary>
public sealed class LoopbackTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly X509Certificate2 _certificate;
    private readonly Task _accepting;
    private int _handshakes;

    public LoopbackTlsServer(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    public int Port { get; }

    /// <summary>The <c>host:port</c> a probe is given.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Handshakes a client completed.</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    private async Task AcceptAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(socket, stopping);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        using (socket)
        await using (var tls = new SslStream(new NetworkStream(socket, ownsSocket: false)))
        {
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, stopping);
                Interlocked.Increment(ref _handshakes);
                _ = await tls.ReadAsync(new byte[1], stopping); // until the client hangs up
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                // A client that rejected the certificate hangs up mid-handshake: that is what some tests want.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}
