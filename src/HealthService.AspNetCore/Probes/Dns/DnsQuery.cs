using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace HealthService.Probes.Dns;

/// <summary>
/// Asks one DNS server for a name's A and AAAA records (RFC 1035 over UDP, over TCP when the answer is truncated)
/// and reads the answer code exactly, which the system resolver cannot report.
/// </summary>
/// <remarks>
/// Hand-written rather than taken from a DNS client package: the probe needs a question, the header's answer code
/// and the address records, a few dozen lines with no reflection, so the native executable stays free of trim
/// and AOT warnings.
/// </remarks>
internal static class DnsQuery
{
    public const int NoError = 0;
    private const int ServFail = 2;
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;
    private const int HeaderLength = 12;

    /// <summary>Sends of one UDP query: the first and two resends, a quarter of the deadline apart.</summary>
    private const int UdpSends = 3;

    /// <summary>
    /// The addresses of <paramref name="host"/> (A then AAAA) and the answer code that explains an empty list, as
    /// answered within <paramref name="deadline"/>; <paramref name="cancellationToken"/> ends it at the deadline.
    /// </summary>
    /// <remarks>
    /// A resolver or middlebox that drops AAAA queries (common), or one lost datagram, must not turn an answered
    /// query into a timeout. So an unanswered UDP query is sent again after a quarter and a half of the deadline, as a
    /// stub resolver resends after its timeout; once one type has addresses, the other gets at most a quarter of the
    /// deadline more; and at three quarters of the deadline whatever was answered is the result, which leaves the
    /// probe time to report it before its runner gives up on it. Only when neither query was answered does the probe
    /// wait out the deadline.
    /// </remarks>
    public static async Task<(IPAddress[] Addresses, int AnswerCode)> ResolveAsync(string host, IPEndPoint server, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var resendAfter = deadline / 4;
        var reportBy = deadline * 3 / 4;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var a = QueryAsync(host, TypeA, server, resendAfter, stop.Token);
        var aaaa = QueryAsync(host, TypeAaaa, server, resendAfter, stop.Token);
        try
        {
            var first = await Task.WhenAny(a, aaaa).ConfigureAwait(false);
            var (addresses, answerCode) = await first.ConfigureAwait(false);
            var other = first == a ? aaaa : a;
            var wait = reportBy - Stopwatch.GetElapsedTime(started);
            if (addresses.Count > 0 && wait > resendAfter)
            {
                wait = resendAfter;
            }

            if (wait > TimeSpan.Zero)
            {
                try
                {
                    // WhenAny: the other query's own failure is looked at below, not thrown here.
                    await Task.WhenAny(other).WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Not answered in time: reported below with what did come.
                }
            }

            if (!other.IsCompleted || (other.IsFaulted && addresses.Count > 0))
            {
                // Unanswered in time, or a broken answer beside a good one: the answer that came is the result.
                return ([.. addresses], answerCode);
            }

            var (v4, v4Code) = await a.ConfigureAwait(false);
            var (v6, v6Code) = await aaaa.ConfigureAwait(false);
            // Some servers answer one type and refuse or fail the other: any address is an answer. A failure is named
            // by the worse of the two codes, SERVFAIL first.
            var code = v4Code == ServFail || v6Code == ServFail ? ServFail : v4Code != NoError ? v4Code : v6Code;
            return ([.. v4, .. v6], code);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // The query left behind ends with the cancellation; its outcome no longer matters.
            await Task.WhenAll(a, aaaa).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>The mnemonic of an answer code (RFC 6895).</summary>
    public static string Name(int answerCode) => answerCode switch
    {
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => $"RCODE {answerCode}",
    };

    private static async Task<(List<IPAddress> Addresses, int AnswerCode)> QueryAsync(string host, ushort type, IPEndPoint server, TimeSpan resendAfter, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var query = Question(id, host, type);
        var response = await OverUdpAsync(query, id, server, resendAfter, cancellationToken).ConfigureAwait(false);
        if ((response[2] & 0x02) != 0)
        {
            response = await OverTcpAsync(query, server, cancellationToken).ConfigureAwait(false);
        }

        return Parse(response, id, type);
    }

    private static byte[] Question(ushort id, string host, ushort type)
    {
        var query = new List<byte>(HeaderLength + host.Length + 6);
        // ID, flags (recursion desired), one question, no other records.
        query.AddRange([(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        foreach (var label in host.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. query];
    }

    private static async Task<byte[]> OverUdpAsync(byte[] query, ushort id, IPEndPoint server, TimeSpan resendAfter, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[1232];
        for (var sends = 1; ; sends++)
        {
            // The same question with the same ID each time: an answer to any of the sends is the answer.
            await socket.SendAsync(query, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (sends < UdpSends)
            {
                attempt.CancelAfter(resendAfter);
            }

            try
            {
                while (true)
                {
                    var length = await socket.ReceiveAsync(buffer, SocketFlags.None, attempt.Token).ConfigureAwait(false);
                    // A late answer to an earlier query, or anything else that is not ours, is not the answer.
                    if (length >= HeaderLength && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id && (buffer[2] & 0x80) != 0)
                    {
                        return buffer[..length];
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No answer yet: send it again.
            }
        }
    }

    private static async Task<byte[]> OverTcpAsync(byte[] query, IPEndPoint server, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
        var length = new byte[2];
        await stream.ReadExactlyAsync(length, cancellationToken).ConfigureAwait(false);
        var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(response, cancellationToken).ConfigureAwait(false);
        return response;
    }

    private static (List<IPAddress> Addresses, int AnswerCode) Parse(byte[] response, ushort id, ushort type)
    {
        try
        {
            if (response.Length < HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(response) != id)
            {
                throw new InvalidDataException("The answer does not match the question.");
            }

            var answerCode = response[3] & 0x0F;
            var questions = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(4));
            var answers = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6));
            var offset = HeaderLength;
            for (var i = 0; i < questions; i++)
            {
                offset = SkipName(response, offset) + 4;
            }

            var addresses = new List<IPAddress>();
            for (var i = 0; i < answers; i++)
            {
                offset = SkipName(response, offset);
                var recordType = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset));
                var dataLength = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset + 8));
                var data = response.AsSpan(offset + 10, dataLength);
                // CNAME records on the way to the address are passed over.
                if (recordType == type && data.Length == (type == TypeA ? 4 : 16))
                {
                    addresses.Add(new IPAddress(data));
                }

                offset += 10 + dataLength;
            }

            return (addresses, answerCode);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException("The answer ends inside a record.", ex);
        }
    }

    /// <summary>The offset after a name: labels up to the root, or up to a compression pointer.</summary>
    private static int SkipName(byte[] message, int offset)
    {
        while (true)
        {
            var length = message[offset];
            if (length == 0)
            {
                return offset + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return offset + 2;
            }

            offset += 1 + length;
        }
    }
}
