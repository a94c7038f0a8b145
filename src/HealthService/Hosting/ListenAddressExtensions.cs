using HealthService.Endpoints;
using HealthService.Grpc;

namespace HealthService.Hosting;

public static class ListenAddressExtensions
{
    /// <summary>
    /// Listens where the standard settings say (<c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>,
    /// <c>ASPNETCORE_HTTPS_PORTS</c>, <c>--urls</c>, or <c>Kestrel:Endpoints</c>), on 0.0.0.0:8080 when none is set;
    /// when the detailed view is enabled, also on 127.0.0.1:<c>Health:Details:LocalPort</c>: the operators' way in
    /// without the key, on a port that no load balancer or proxy is pointed at; and when <c>Health:Grpc:Enabled</c>,
    /// also on 0.0.0.0:<c>Health:Grpc:Port</c>, HTTP/2 only, for the gRPC health protocol.
    /// </summary>
    /// <remarks>
    /// Kestrel binds either the <c>urls</c> list or endpoints configured in code or configuration, never both (it
    /// logs "Overriding address(es)" and drops the list). Without gRPC, the public addresses are resolved here and set
    /// as one <c>urls</c> list with the local one. The gRPC port needs a protocol of its own (HTTP/2 without TLS, which
    /// a <c>urls</c> entry cannot say), so with gRPC on, every address becomes a named <c>Kestrel:Endpoints</c> entry
    /// instead, beside any the configuration already has.
    /// </remarks>
    public static WebApplicationBuilder ListenOnConfiguredAddresses(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var local = DetailsOptions.LocalUrl(configuration);
        var grpc = GrpcListener.Port(configuration);
        var urls = ListenAddresses.PublicUrls(configuration);
        if (urls is not null && grpc is null)
        {
            builder.WebHost.UseUrls([.. urls, .. local is null ? Array.Empty<string>() : [local]]);
            // The ports are in the list now; left set, the host would warn that urls override them.
            builder.WebHost.UseSetting("http_ports", "");
            builder.WebHost.UseSetting("https_ports", "");
            return builder;
        }

        if (urls is not null)
        {
            for (var i = 0; i < urls.Count; i++)
            {
                configuration[$"Kestrel:Endpoints:HealthServicePublic{i}:Url"] = urls[i];
            }

            // Now endpoints: left set, the list would make Kestrel log that it overrides it. An empty value would not
            // do: the host falls back to the urls it read at start-up (ASPNETCORE_URLS); ";" is a list of no address.
            builder.WebHost.UseSetting("urls", ";");
            builder.WebHost.UseSetting("http_ports", "");
            builder.WebHost.UseSetting("https_ports", "");
        }

        if (local is not null)
        {
            configuration["Kestrel:Endpoints:HealthServiceLocal:Url"] = local;
        }

        if (grpc is { } port)
        {
            configuration["Kestrel:Endpoints:HealthServiceGrpc:Url"] = GrpcListener.Url(port);
            configuration["Kestrel:Endpoints:HealthServiceGrpc:Protocols"] = "Http2";
        }

        return builder;
    }
}
