namespace HealthService.Probes.Http;

/// <summary>
/// Adds a dependency's configured headers to each request of its named <see cref="HttpClient"/>. The Uris check adds
/// headers to the request only, where a content header such as <c>Content-Type</c> is refused.
/// </summary>
internal sealed class ConfiguredHeadersHandler(IReadOnlyDictionary<string, string> headers) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ConfiguredHeaders.Apply(request, headers);
        return base.SendAsync(request, cancellationToken);
    }
}
