using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A UDP socket on loopback that plays a DNS server dnsmasq cannot be made to play deterministically: one that
/// answers every query with SERVFAIL (dnsmasq gives no answer at all for a closed upstream port, and REFUSED when it
/// has no upstream), one that never answers, one whose UDP answers are truncated and whose TCP answers (on the same
/// port) carry 10.0.0.1 and fd00::1, and ones that answer with those addresses but ignore one query type (as some
/// resolvers and middleboxes do with AAAA) or lose the first query of each type.
/// </summary>
public sealed class FakeDnsServer : IAsyncDisposable
{
    private const byte TypeA = 1;
    private const byte TypeAaaa = 28;

    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TcpListener? _tcp;
    private readonly Behaviour _behaviour;
    private readonly byte? _ignoredType;
    private readonly ConcurrentDictionary<byte, int> _udpQueries = new();

    private FakeDnsServer(Behaviour behaviour, byte? ignoredType = null)
    {
        _behaviour = behaviour;
        _ignoredType = ignoredType;
        if (behaviour == Behaviour.Truncated)
        {
            _tcp = new TcpListener(EndPoint);
            _tcp.Start();
            _loop = Task.WhenAll(Task.Run(AnswerAsync), Task.Run(AnswerOverTcpAsync));
        }
        else
        {
            _loop = behaviour == Behaviour.Silent ? Task.CompletedTask : Task.Run(AnswerAsync);
        }
    }

    private enum Behaviour
    {
        ServFail,
        Silent,
        Truncated,
        Addresses,
        LosesFirstQuery,
    }

    public static FakeDnsServer ServFail() => new(Behaviour.ServFail);

    /// <summary>Answers A queries with SERVFAIL and never answers an AAAA query.</summary>
    public static FakeDnsServer ServFailIgnoringAaaa() => new(Behaviour.ServFail, ignoredType: TypeAaaa);

    public static FakeDnsServer Silent() => new(Behaviour.Silent);

    /// <summary>UDP answers are truncated (TC set, no records); the full answer is served over TCP on the same port.</summary>
    public static FakeDnsServer TruncatedOverUdp() => new(Behaviour.Truncated);

    /// <summary>Answers A queries with 10.0.0.1 and never answers an AAAA query.</summary>
    public static FakeDnsServer IgnoringAaaa() => new(Behaviour.Addresses, ignoredType: TypeAaaa);

    /// <summary>Answers AAAA queries with fd00::1 and never answers an A query.</summary>
    public static FakeDnsServer IgnoringA() => new(Behaviour.Addresses, ignoredType: TypeA);

    /// <summary>The first UDP query of each type is lost; later ones are answered with 10.0.0.1 and fd00::1.</summary>
    public static FakeDnsServer LosingFirstQuery() => new(Behaviour.LosesFirstQuery);

    /// <summary>How many queries came over TCP.</summary>
    public int TcpQueries { get; private set; }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

    /// <summary>How many UDP queries for A records arrived, answered or not.</summary>
    public int UdpQueriesForA => _udpQueries.GetValueOrDefault(TypeA);

    /// <summary>How many UDP queries for AAAA records arrived, answered or not.</summary>
    public int UdpQueriesForAaaa => _udpQueries.GetValueOrDefault(TypeAaaa);

    private async Task AnswerAsync()
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

            var type = query.Buffer[^3];
            var seen = _udpQueries.AddOrUpdate(type, 1, (_, count) => count + 1);
            if (type == _ignoredType || (_behaviour == Behaviour.LosesFirstQuery && seen == 1))
            {
                continue;
            }

            byte[] answer;
            if (_behaviour is Behaviour.Addresses or Behaviour.LosesFirstQuery)
            {
                answer = AddressAnswer(query.Buffer);
            }
            else
            {
                // The question echoed back, with QR, RD, RA set and RCODE 2, or with TC set and RCODE 0.
                var truncated = _behaviour == Behaviour.Truncated;
                answer = query.Buffer.ToArray();
                answer[2] = (byte)(0x80 | (truncated ? 0x02 : 0) | (answer[2] & 0x01));
                answer[3] = truncated ? (byte)0x80 : (byte)(0x80 | 2);
            }

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
                var message = AddressAnswer(query);
                await stream.WriteAsync(new byte[] { (byte)(message.Length >> 8), (byte)message.Length }, _stop.Token);
                await stream.WriteAsync(message, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The answer to an A query (10.0.0.1) or an AAAA query (fd00::1).</summary>
    private static byte[] AddressAnswer(byte[] query)
    {
        var type = query[^3];
        byte[] data = type == TypeA ? [10, 0, 0, 1] : [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        // Header (QR, RD, RA; one answer), the question, then the record: a pointer to the question's name,
        // the type asked, class IN, TTL 60, the address.
        byte[] record = [0xC0, 12, 0, type, 0, 1, 0, 0, 0, 60, 0, (byte)data.Length, .. data];
        var answer = query.ToArray();
        answer[2] = (byte)(0x80 | (answer[2] & 0x01));
        answer[3] = 0x80;
        answer[7] = 1;
        return [.. answer, .. record];
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
