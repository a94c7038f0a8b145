using System.Net.Sockets;
using System.Security.Authentication;
using HealthService.Probes.Http;
using MySqlConnector;
using Npgsql;
using StackExchange.Redis;

namespace HealthService.Probes;

/// <summary>
/// Names the category of a dependency failure (timeout, connection refused, name not resolved, authentication
/// failed, unexpected status 503, TLS error, ...) from its exception, without its message: messages can carry
/// host names with credentials, connection-string fragments or server text, and stack traces help nobody at 3 am.
/// </summary>
internal static class ProbeFailure
{
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            var category = Categorise(ex);
            if (category is not null)
            {
                return category;
            }
        }

        return $"failed with {exception.GetType().Name}";
    }

    private static string? Categorise(Exception ex) => ex switch
    {
        UnexpectedStatusException status => $"unexpected status {status.StatusCode}",
        PostgresException postgres => Postgres(postgres.SqlState),
        MySqlException mysql => MySql(mysql),
        SocketException socket => Socket(socket.SocketErrorCode),
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "name not resolved",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS error",
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "connection closed before a complete response",
        HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse } => "invalid HTTP response",
        RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } => "authentication failed",
        RedisServerException redis when IsRedisAuthentication(redis.Message) => "authentication failed",
        AuthenticationException => "TLS error",
        TimeoutException or OperationCanceledException => "timed out",
        // Connection errors and I/O errors are categorised by their inner socket error when there is one.
        HttpRequestException { InnerException: null } => "connection failed",
        IOException { InnerException: null } => "connection closed",
        RedisConnectionException { InnerException: null } redis => Redis(redis.FailureType),
        _ => null,
    };

    // Without an inner exception the client has no connection and its last attempt raised no error of its own:
    // the server accepted the connection but did not complete the handshake in time.
    private static string Redis(ConnectionFailureType failure) => failure switch
    {
        ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.UnableToConnect => "timed out (no connection established)",
        ConnectionFailureType.SocketClosed or ConnectionFailureType.ConnectionDisposed => "connection closed",
        ConnectionFailureType.Loading => "server loading its dataset",
        ConnectionFailureType.ProtocolFailure or ConnectionFailureType.ResponseIntegrityFailure => "protocol error",
        _ => "connection failed",
    };

    // Redis answers NOAUTH (no password sent) or WRONGPASS (wrong user or password); only the code is read.
    private static bool IsRedisAuthentication(string message) =>
        message.StartsWith("NOAUTH", StringComparison.Ordinal) || message.StartsWith("WRONGPASS", StringComparison.Ordinal);

    private static string Postgres(string sqlState) => sqlState switch
    {
        "28P01" or "28000" => $"authentication failed (SQLSTATE {sqlState})",
        "3D000" => $"database does not exist (SQLSTATE {sqlState})",
        "57P01" or "57P02" or "57P03" => $"server shutting down or starting up (SQLSTATE {sqlState})",
        "53300" => $"too many connections (SQLSTATE {sqlState})",
        _ when sqlState.StartsWith("42", StringComparison.Ordinal) => $"query failed (SQLSTATE {sqlState})",
        _ => $"server error (SQLSTATE {sqlState})",
    };

    // MySqlConnector's own errors (no server involved) are told by the exception they wrap, when there is one.
    private static string? MySql(MySqlException mysql) => mysql.ErrorCode switch
    {
        MySqlErrorCode.AccessDenied => $"authentication failed (MySQL error {mysql.Number})",
        // MySQL says so both for a database the user has no grant on and for one that does not exist.
        MySqlErrorCode.DatabaseAccessDenied => $"database access denied (MySQL error {mysql.Number})",
        MySqlErrorCode.UnknownDatabase => $"database does not exist (MySQL error {mysql.Number})",
        MySqlErrorCode.ConnectionCountError or MySqlErrorCode.TooManyUserConnections => $"too many connections (MySQL error {mysql.Number})",
        MySqlErrorCode.ServerShutdown or MySqlErrorCode.NormalShutdown => $"server shutting down (MySQL error {mysql.Number})",
        MySqlErrorCode.CommandTimeoutExpired => "timed out",
        MySqlErrorCode.UnableToConnectToHost => mysql.InnerException is null ? "connection failed" : null,
        _ when mysql.Number >= 1000 && mysql.Number < 5000 => $"server error (MySQL error {mysql.Number})",
        _ => null,
    };

    private static string Socket(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "name not resolved",
        SocketError.TimedOut => "timed out",
        SocketError.ConnectionReset => "connection reset",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        _ => $"socket error {error}",
    };
}
