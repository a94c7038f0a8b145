using System.Globalization;

namespace HealthService.Hosting;

/// <summary>
/// Where the service listens, worked out once from the standard ASP.NET Core settings for the host and for the
/// commands that talk to it (<c>probe</c>, <c>details</c>), so that both agree.
/// </summary>
public static class ListenAddresses
{
    public const string DefaultUrl = "http://0.0.0.0:8080";

    /// <summary>
    /// The public addresses, as the host would bind them: <c>urls</c> (<c>ASPNETCORE_URLS</c>, <c>--urls</c>) wins over
    /// <c>http_ports</c>/<c>https_ports</c> (<c>ASPNETCORE_HTTP_PORTS</c>, ...), as in ASP.NET Core itself; with none
    /// of them, 0.0.0.0:8080. Null when <c>Kestrel:Endpoints</c> decides instead.
    /// </summary>
    public static IReadOnlyList<string>? PublicUrls(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return null;
        }

        if (Split(configuration["urls"]) is { Length: > 0 } urls)
        {
            return urls;
        }

        var ports = Split(configuration["http_ports"]).Select(port => $"http://*:{port}")
            .Concat(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"))
            .ToArray();
        return ports.Length > 0 ? ports : [DefaultUrl];
    }

    /// <summary>The public addresses: <see cref="PublicUrls"/>, or else those of <c>Kestrel:Endpoints</c>.</summary>
    public static IReadOnlyList<string> ConfiguredUrls(IConfiguration configuration) =>
        PublicUrls(configuration)
        ?? [.. configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"] ?? "")];

    /// <summary>The port of a listen address (80 or 443 when it names none), or null when it has no readable one.</summary>
    public static int? PortOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var authority = url[(scheme < 0 ? 0 : scheme + 3)..].Split('/')[0];
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || authority.EndsWith(']'))
        {
            return url.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 443 : 80;
        }

        return int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    /// <summary>
    /// The URL of <paramref name="path"/> on this machine through the first public http address: wildcard hosts
    /// (<c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) become 127.0.0.1. False, with a reason, when the settings
    /// cannot give one.
    /// </summary>
    public static bool TryLocalUrl(IConfiguration configuration, string path, out Uri url, out string problem)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        url = new Uri("http://127.0.0.1:8080" + path);
        problem = "";
        var candidates = ConfiguredUrls(configuration);
        var address = candidates.FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        if (address is null)
        {
            problem = $"no http address to reach among '{string.Join(";", candidates)}': give one with --url";
            return false;
        }

        // The binder accepts hosts that are not valid URI hosts ("+", "*"): swap them before parsing.
        var authority = address["http://".Length..].Split('/')[0];
        var colon = authority.LastIndexOf(':');
        var host = colon > 0 ? authority[..colon] : authority;
        var port = colon > 0 ? authority[(colon + 1)..] : "80";
        if (host is "+" or "*" or "0.0.0.0" or "[::]" or "")
        {
            host = "127.0.0.1";
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535
            || !Uri.TryCreate($"http://{host}:{number}{path}", UriKind.Absolute, out var parsed))
        {
            problem = $"the listen address '{address}' is not a valid http address: give one with --url";
            return false;
        }

        url = parsed;
        return true;
    }

    private static string[] Split(string? value) =>
        value?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
