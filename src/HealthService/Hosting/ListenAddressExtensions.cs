using HealthService.Endpoints;

namespace HealthService.Hosting;

public static class ListenAddressExtensions
{
    /// <summary>
    /// Listens where the standard settings say (<c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>,
    /// <c>ASPNETCORE_HTTPS_PORTS</c>, <c>--urls</c>, or <c>Kestrel:Endpoints</c>), on 0.0.0.0:8080 when none is set, and,
    /// when the detailed view is enabled, also on 127.0.0.1:<c>Health:Details:LocalPort</c>: the operators' way in
    /// without the key, on a port that no load balancer or proxy is pointed at.
    /// </summary>
    /// <remarks>
    /// The public addresses are resolved here and set as one <c>urls</c> list with the local one, because Kestrel
    /// binds either that list or endpoints given in code, never both.
    /// </remarks>
    public static WebApplicationBuilder ListenOnConfiguredAddresses(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var local = DetailsOptions.LocalUrl(configuration);
        if (ListenAddresses.PublicUrls(configuration) is { } urls)
        {
            builder.WebHost.UseUrls([.. urls, .. local is null ? Array.Empty<string>() : [local]]);
            // The ports are in the list now; left set, the host would warn that urls override them.
            builder.WebHost.UseSetting("http_ports", "");
            builder.WebHost.UseSetting("https_ports", "");
        }
        else if (local is not null)
        {
            configuration["Kestrel:Endpoints:HealthServiceLocal:Url"] = local;
        }

        return builder;
    }
}
