using System.Net.Security;
using HealthService.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Http;

internal static class HttpProbeExtensions
{
    /// <summary>
    /// Adds one probe for an external HTTP API, with its own named <see cref="HttpClient"/>: redirects are not
    /// followed (a 302 is judged against the expected codes), the deadline is the probe's, and the client writes
    /// no per-request logs (they would carry the URL).
    /// </summary>
    public static IHealthChecksBuilder AddHttpProbe(this IHealthChecksBuilder builder, string name, HttpProbeOptions options,
        TimeSpan deadline, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (!ExpectedStatusCodes.TryParse(options.ExpectedStatus, out var expected))
        {
            throw new ArgumentException($"'{options.ExpectedStatus}' is not a list of status codes and ranges.", nameof(options));
        }

        var clientName = "health-probe:" + name;
        var certificate = new ServerCertificateCapture();
        builder.Services.AddHttpClient(clientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = deadline,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = certificate.Validate },
            })
            .AddHttpMessageHandler(() => new ConfiguredHeadersHandler(options.Headers))
            .AddHttpMessageHandler(() => new ExpectedStatusHandler(expected))
            .RemoveAllLoggers();

        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.Add(new HealthCheckRegistration(
            name,
            services =>
            {
                var clients = services.GetRequiredService<IHttpClientFactory>();
                return new HttpDependencyHealthCheck(options, deadline, () => clients.CreateClient(clientName), certificate, services.GetRequiredService<TimeProvider>());
            },
            failureStatus,
            tags ?? HealthTags.For(options.Critical),
            deadline));
    }
}
