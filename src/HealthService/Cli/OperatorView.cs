using System.Net.Sockets;
using HealthService.Endpoints;

namespace HealthService.Cli;

/// <summary>
/// Reads one JSON view of the operator endpoints (the details view, the history) for a command, and says on its error
/// writer why it could not: unreachable, no answer in time, refused (404, as to an unknown caller), another status.
/// </summary>
internal static class OperatorView
{
    /// <summary>The JSON body, or null when it was not read (the reason is written to <paramref name="error"/>).</summary>
    /// <param name="command">The command's name, which starts every message.</param>
    /// <param name="explicitUrl">Whether the address came from <c>--url</c>: a 404 then may mean the key is missing here.</param>
    public static async Task<string?> GetJsonAsync(string command, Uri url, (string Name, string Value)? key, TimeSpan timeout, bool explicitUrl,
        Func<int, bool> expected, TextWriter error)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (key is { } sent)
        {
            request.Headers.Add(DetailsOptions.ApiKeyHeader, sent.Value);
        }

        try
        {
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (expected(status) && response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            }

            await error.WriteLineAsync(status == 404
                ? $"{command}: {url} refused the view (404): is Health:Details:Enabled true for the service{(key is null && explicitUrl ? ", and Health:Details:ApiKey set here" : "")}?"
                : $"{command}: {url} answered {status}").ConfigureAwait(false);
            return null;
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : ex.HttpRequestError.ToString();
            await error.WriteLineAsync($"{command}: unreachable: {reason} at {url}").ConfigureAwait(false);
            return null;
        }
        catch (TaskCanceledException)
        {
            await error.WriteLineAsync($"{command}: unreachable: no answer within {timeout.TotalSeconds:0.###} s from {url}").ConfigureAwait(false);
            return null;
        }
    }
}
