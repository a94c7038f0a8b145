using HealthChecks.Uris;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Http;

/// <summary>
/// One external HTTP API. Xabaril's <see cref="UriHealthCheck"/> sends the request (method, deadline) through this
/// dependency's own named client; the client's <see cref="ConfiguredHeadersHandler"/> adds the configured headers and
/// its <see cref="ExpectedStatusHandler"/> judges the status. Failures are described by category only: the URL's path and query, and header values, can carry keys.
/// </summary>
internal sealed class HttpDependencyHealthCheck : IHealthCheck
{
    private readonly UriHealthCheck _inner;
    private readonly string _target;
    private readonly ServerCertificateCapture? _certificate;
    private readonly TimeProvider _time;

    public HttpDependencyHealthCheck(HttpProbeOptions options, TimeSpan deadline, Func<HttpClient> client, ServerCertificateCapture? certificate = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var uri = new Uri(options.Url!, UriKind.Absolute);
        var method = new HttpMethod(options.Method.ToUpperInvariant());
        _target = $"{method} {uri.Scheme}://{uri.Authority}";
        _certificate = uri.Scheme == Uri.UriSchemeHttps ? certificate : null;
        _time = time ?? TimeProvider.System;
        _inner = new UriHealthCheck(
            new UriHealthCheckOptions().AddUri(uri, request =>
            {
                // Headers are added by the client's ConfiguredHeadersHandler, which also sends content headers.
                request.UseHttpMethod(method).UseTimeout(deadline).ExpectHttpCodes(100, 599);
            }),
            client);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await _inner.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
        // An https dependency's certificate: when it expires (notAfter, daysLeft), also when the handshake failed.
        var data = _certificate?.Latest?.Data(_time.GetUtcNow());
        if (result.Status == HealthStatus.Healthy)
        {
            return HealthCheckResult.Healthy($"{_target} answered with an expected status", data);
        }

        var reason = result.Exception is { } ex ? ProbeFailure.Describe(ex) : "cancelled";
        return new HealthCheckResult(context.Registration.FailureStatus, $"{_target}: {reason}", result.Exception, data);
    }
}
