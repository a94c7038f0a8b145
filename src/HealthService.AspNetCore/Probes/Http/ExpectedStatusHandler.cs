namespace HealthService.Probes.Http;

/// <summary>
/// The last handler of a dependency's named <see cref="HttpClient"/>: a status outside the expected codes becomes an
/// <see cref="UnexpectedStatusException"/>. The Uris check accepts a single range; this takes lists such as
/// <c>200,204,301-302</c>.
/// </summary>
internal sealed class ExpectedStatusHandler(ExpectedStatusCodes expected) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (!expected.Contains(status))
        {
            response.Dispose();
            throw new UnexpectedStatusException(status);
        }

        return response;
    }
}
