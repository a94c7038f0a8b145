namespace HealthService.Hosting;

public static class ListenAddressExtensions
{
    public const string DefaultUrl = "http://0.0.0.0:8080";

    /// <summary>
    /// Listens on 0.0.0.0:8080 unless the standard settings say otherwise (<c>ASPNETCORE_URLS</c>,
    /// <c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>, <c>--urls</c>, or <c>Kestrel:Endpoints</c>).
    /// </summary>
    /// <remarks>
    /// Not a <c>urls</c> entry in appsettings.json: that would take precedence over <c>ASPNETCORE_HTTP_PORTS</c>.
    /// </remarks>
    public static WebApplicationBuilder ListenOnPort8080UnlessConfigured(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var configured = !string.IsNullOrEmpty(configuration["urls"])
            || !string.IsNullOrEmpty(configuration["http_ports"])
            || !string.IsNullOrEmpty(configuration["https_ports"])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!configured)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }
}
