using System.Net;
using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A UDP socket on loopback that plays a broken DNS server: it answers every query with SERVFAIL, or never answers.
/// dnsmasq answers SERVFAIL only for upstream trouble it does not report deterministically (a closed upstream port
/// gets no answer at all), so SERVFAIL comes from here.
/// </summary>
public sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private FakeDnsServer(bool answer) => _loop = answer ? Task.Run(AnswerServFailAsync) : Task.CompletedTask;

    public static FakeDnsServer ServFail() => new(answer: true);

    public static FakeDnsServer Silent() => new(answer: false);

    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    private async Task AnswerServFailAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _socket.ReceiveAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // The question echoed back, with QR, RD, RA set and RCODE 2.
            var answer = query.Buffer.ToArray();
            answer[2] = (byte)(0x80 | (answer[2] & 0x01));
            answer[3] = 0x80 | 2;
            await _socket.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _socket.Dispose();
        _stop.Dispose();
    }
}
