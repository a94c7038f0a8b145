using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using HealthService.Hosting;

namespace HealthService.Cli;

/// <summary>
/// <c>HealthService probe [--url URL | --path PATH] [--timeout DURATION] [--wait DURATION]</c>: asks the local <c>/health</c> (or <c>PATH</c>) and
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
            await error.WriteLineAsync("usage: HealthService probe [--url http://127.0.0.1:8080/health | --path /health/live] [--timeout 2s] [--wait 60s]").ConfigureAwait(false);
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

    private static readonly HashSet<string> Options = ["--url", "--path", "--timeout", "--wait"];

    private static bool TryParse(string[] args, out Uri url, out TimeSpan timeout, out TimeSpan wait, out string problem)
    {
        url = null!;
        timeout = TimeSpan.FromSeconds(2);
        wait = TimeSpan.Zero;
        if (!CommandArguments.TryRead(args, Options, out var values, out problem))
        {
            return false;
        }

        if (values.TryGetValue("--timeout", out var text) && !(CommandArguments.TryParseDuration(text, out timeout) && timeout > TimeSpan.Zero))
        {
            problem = $"--timeout needs a duration above zero such as 500ms, 2s or 00:00:02 (was '{text}')";
            return false;
        }

        if (values.TryGetValue("--wait", out text) && !CommandArguments.TryParseDuration(text, out wait))
        {
            problem = $"--wait needs a duration such as 30s, 2m or 00:01:00 (was '{text}')";
            return false;
        }

        if (values.TryGetValue("--url", out text))
        {
            if (values.ContainsKey("--path") || !Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            {
                problem = values.ContainsKey("--path") ? "give --url or --path, not both" : $"--url needs an absolute http(s) URL (was '{text}')";
                return false;
            }

            url = parsed;
            return true;
        }

        var path = values.GetValueOrDefault("--path", "/health");
        if (!path.StartsWith('/'))
        {
            problem = $"--path needs a path starting with / (was '{path}')";
            return false;
        }

        // The port the service listens on, read as the service reads it (ASPNETCORE_URLS wins over ASPNETCORE_HTTP_PORTS).
        return ListenAddresses.TryLocalUrl(CommandArguments.ServiceConfiguration(), path, out url, out problem);
    }
}
