using System.Net.Sockets;

namespace HealthService.Tests.Infrastructure;

/// <summary>What a test client sees when a request gets no answer because of the transport.</summary>
public static class RequestFailure
{
    /// <summary>
    /// True for a request that got no HTTP answer from the transport: refused, reset, closed. HttpClient wraps most of
    /// these in <see cref="HttpRequestException"/>, but not all: when the peer resets a connection between the
    /// connect and HttpClient reading its remote address (a listener closing with connections in its backlog), the
    /// <see cref="SocketException"/> ("Transport endpoint is not connected") comes out unwrapped.
    /// </summary>
    public static bool IsTransport(Exception ex) => ex is HttpRequestException or IOException or SocketException;

    /// <summary>The exception in a line: its type and message, and its cause's.</summary>
    public static string Describe(Exception ex) =>
        $"{ex.GetType().Name}: {ex.Message}" + (ex.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "");
}
