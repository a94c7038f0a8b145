using System.Net;
using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A UDP socket on loopback that plays a DNS server dnsmasq cannot be made to play deterministically: one that
/// answers every query with SERVFAIL (dnsmasq gives no answer at all for a closed upstream port, and REFUSED when it
/// has no upstream), one that never answers, or one whose UDP answers are truncated and whose TCP answers (on the same
/// port) carry 10.0.0.1 and fd00::1.
/// </summary>
public sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TcpListener? _tcp;

    private FakeDnsServer(bool answer, bool truncate = false)
    {
        if (truncate)
        {
            _tcp = new TcpListener(EndPoint);
            _tcp.Start();
            _loop = Task.WhenAll(Task.Run(() => AnswerAsync(truncated: true)), Task.Run(AnswerOverTcpAsync));
        }
        else
        {
            _loop = answer ? Task.Run(() => AnswerAsync(truncated: false)) : Task.CompletedTask;
        }
    }

    public static FakeDnsServer ServFail() => new(answer: true);

    public static FakeDnsServer Silent() => new(answer: false);

    /// <summary>UDP answers are truncated (TC set, no records); the full answer is served over TCP on the same port.</summary>
    public static FakeDnsServer TruncatedOverUdp() => new(answer: true, truncate: true);

    /// <summary>How many queries came over TCP.</summary>
    public int TcpQueries { get; private set; }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    private async Task AnswerAsync(bool truncated)
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

            // The question echoed back, with QR, RD, RA set and RCODE 2, or with TC set and RCODE 0.
            var answer = query.Buffer.ToArray();
            answer[2] = (byte)(0x80 | (truncated ? 0x02 : 0) | (answer[2] & 0x01));
            answer[3] = truncated ? (byte)0x80 : (byte)(0x80 | 2);
            await _socket.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
        }
    }

    private async Task AnswerOverTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _tcp!.AcceptTcpClientAsync(_stop.Token);
                TcpQueries++;
                var stream = client.GetStream();
                var length = new byte[2];
                await stream.ReadExactlyAsync(length, _stop.Token);
                var query = new byte[(length[0] << 8) | length[1]];
                await stream.ReadExactlyAsync(query, _stop.Token);
                var type = query[^3];
                byte[] data = type == 1 ? [10, 0, 0, 1] : [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
                // Header (QR, RD, RA; one answer), the question, then the record: a pointer to the question's name,
                // the type asked, class IN, TTL 60, the address.
                byte[] record = [0xC0, 12, 0, type, 0, 1, 0, 0, 0, 60, 0, (byte)data.Length, .. data];
                var answer = query.ToArray();
                answer[2] = (byte)(0x80 | (answer[2] & 0x01));
                answer[3] = 0x80;
                answer[7] = 1;
                byte[] message = [.. answer, .. record];
                await stream.WriteAsync(new byte[] { (byte)(message.Length >> 8), (byte)message.Length }, _stop.Token);
                await stream.WriteAsync(message, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _tcp?.Stop();
        _socket.Dispose();
        _stop.Dispose();
    }
}
