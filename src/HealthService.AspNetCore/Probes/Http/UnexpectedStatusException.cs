namespace HealthService.Probes.Http;

/// <summary>An HTTP dependency answered, but with a status outside <c>ExpectedStatus</c>.</summary>
internal sealed class UnexpectedStatusException : Exception
{
    public UnexpectedStatusException()
    {
    }

    public UnexpectedStatusException(string message)
        : base(message)
    {
    }

    public UnexpectedStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UnexpectedStatusException(int statusCode)
        : base($"unexpected status {statusCode}") => StatusCode = statusCode;

    public int StatusCode { get; }
}
