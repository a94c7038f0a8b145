using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace HealthService.Cli;

/// <summary>
/// <c>HealthService probe [--url URL] [--timeout DURATION] [--wait DURATION]</c>: asks the local <c>/health</c> and
/// exits 0 on <c>200</c>, 1 otherwise, printing one line. It needs nothing in the image but the service itself,
/// so it serves as a Docker <c>HEALTHCHECK</c>, an ECS container health check and a deploy gate (<c>--wait</c>).
/// </summary>
public static class ProbeCommand
{
    public const string Name = "probe";
    public const int Healthy = 0;
    public const int NotHealthy = 1;
    public const int UsageError = 2;

    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!TryParse(args, out var url, out var timeout, out var wait, out var problem))
        {
            await error.WriteLineAsync($"probe: {problem}").ConfigureAwait(false);
            await error.WriteLineAsync("usage: HealthService probe [--url http://127.0.0.1:8080/health] [--timeout 2s] [--wait 60s]").ConfigureAwait(false);
            return UsageError;
        }

        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = timeout };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (ok, line) = await AskAsync(client, url).ConfigureAwait(false);
            if (ok || deadline.Elapsed + PollEvery > wait)
            {
                await output.WriteLineAsync(wait > TimeSpan.Zero ? $"{line} (after {deadline.Elapsed.TotalSeconds:0.0} s)" : line).ConfigureAwait(false);
                return ok ? Healthy : NotHealthy;
            }

            await Task.Delay(PollEvery).ConfigureAwait(false);
        }
    }

    private static async Task<(bool Ok, string Line)> AskAsync(HttpClient client, Uri url)
    {
        var timer = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync(url).ConfigureAwait(false);
            var body = (await response.Content.ReadAsStringAsync().ConfigureAwait(false)).Trim();
            body = body.Length > 40 ? body[..40] : body;
            var status = (int)response.StatusCode;
            var verdict = status == 200 ? "healthy" : "unhealthy";
            return (status == 200, string.Create(CultureInfo.InvariantCulture, $"{verdict}: {status} {body} from {url} in {timer.ElapsedMilliseconds} ms"));
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : ex.HttpRequestError.ToString();
            return (false, $"unreachable: {reason} at {url}");
        }
        catch (TaskCanceledException)
        {
            return (false, $"unreachable: no answer within {client.Timeout.TotalSeconds:0.###} s from {url}");
        }
    }

    private static bool TryParse(string[] args, out Uri url, out TimeSpan timeout, out TimeSpan wait, out string problem)
    {
        url = DefaultUrl();
        timeout = TimeSpan.FromSeconds(2);
        wait = TimeSpan.Zero;
        problem = "";
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--url" when Uri.TryCreate(value, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https":
                    url = parsed;
                    break;
                case "--timeout" when TryParseDuration(value, out timeout) && timeout > TimeSpan.Zero:
                case "--wait" when TryParseDuration(value, out wait):
                    break;
                case "--url" or "--timeout" or "--wait":
                    problem = $"{args[i]} needs {(args[i] == "--url" ? "an absolute http(s) URL" : "a duration such as 500ms, 2s, 1m or 00:01:00")} (was '{value}')";
                    return false;
                default:
                    problem = $"unknown argument '{args[i]}'";
                    return false;
            }

            i++;
        }

        return true;
    }

    /// <summary>127.0.0.1 on the port the service listens on: ASPNETCORE_HTTP_PORTS, else ASPNETCORE_URLS, else 8080.</summary>
    private static Uri DefaultUrl()
    {
        var port = "8080";
        var ports = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS");
        var urls = Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? Environment.GetEnvironmentVariable("DOTNET_URLS");
        if (!string.IsNullOrWhiteSpace(urls))
        {
            // "http://+:5000;https://+:5001": the first http address; the binder's wildcards are not valid URI hosts.
            var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
            var colon = first?.LastIndexOf(':') ?? -1;
            if (first is not null && colon > "http://".Length)
            {
                port = first[(colon + 1)..].TrimEnd('/');
            }
        }
        else if (!string.IsNullOrWhiteSpace(ports))
        {
            port = ports.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        }

        return new Uri($"http://127.0.0.1:{port}/health");
    }

    private static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number >= 0)
            {
                duration = TimeSpan.FromSeconds(number * scale);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }
}
