using System.Net.Http.Json;
using System.Net.Sockets;
using HealthService.Endpoints;
using HealthService.Lifecycle;

namespace HealthService.Cli;

/// <summary>
/// <c>HealthService maintenance on [--reason TEXT] [--ttl 30m] | off | status [--url URL] [--timeout 5s]</c>: takes
/// the running instance out of rotation without stopping it (<c>/health</c> answers <c>503 Maintenance</c> until the
/// time-to-live ends, 1 s to 24 h, default 1 h), puts it back, or tells the state. It reaches the service as
/// <c>details</c> does (<see cref="OperatorTarget"/>); with <c>--url</c>, <c>on</c> and <c>off</c> send
/// <c>Health:Maintenance:ApiKey</c> and <c>status</c> sends <c>Health:Details:ApiKey</c>, each falling back to the other
/// key when only that one is configured here (the service then says which key a change needs). Exit 0 on success, 1
/// when the service is unreachable or refuses, 2 on bad arguments.
/// </summary>
internal static class MaintenanceCommand
{
    public const string Name = "maintenance";
    private const string Usage = "usage: HealthService maintenance on [--reason TEXT] [--ttl 1h] | off | status  [--url URL] [--timeout 5s]"
        + "\n  with --url, on and off send Health:Maintenance:ApiKey, status sends Health:Details:ApiKey (in X-Health-Key)";

    private static readonly HashSet<string> OnOptions = ["--reason", "--ttl", "--url", "--timeout"];
    private static readonly HashSet<string> OtherOptions = ["--url", "--timeout"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!TryParse(args, out var action, out var values, out var problem)
            || !TryTimeout(values, out var timeout, out problem)
            || !OperatorTarget.TryResolve(values, CommandArguments.ServiceConfiguration(), HealthServiceEndpointOptions.DefaultMaintenancePath,
                action == "status" ? OperatorRequest.ReadMaintenance : OperatorRequest.ChangeMaintenance,
                out var url, out var key, out problem))
        {
            await error.WriteLineAsync($"maintenance: {problem}").ConfigureAwait(false);
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return DetailsCommand.UsageError;
        }

        using var request = new HttpRequestMessage(action switch { "on" => HttpMethod.Put, "off" => HttpMethod.Delete, _ => HttpMethod.Get }, url);
        if (action == "on")
        {
            request.Content = JsonContent.Create(
                new Dictionary<string, string>
                {
                    ["reason"] = values.GetValueOrDefault("--reason", ""),
                    ["ttl"] = values.GetValueOrDefault("--ttl", "1h"),
                },
                CommandJson.Default.DictionaryStringString);
        }

        if (key is { } sent)
        {
            request.Headers.Add(DetailsOptions.ApiKeyHeader, sent.Value);
        }

        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = timeout };
        try
        {
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status == 200)
            {
                await output.WriteLineAsync(body).ConfigureAwait(false);
                return DetailsCommand.Shown;
            }

            await error.WriteLineAsync(status switch
            {
                404 => $"maintenance: {url} refused (404): is Health:Details:Enabled true for the service{(values.ContainsKey("--url") ? $", and {(action == "status" ? OperatorTarget.DetailsKey : OperatorTarget.MaintenanceKey)} set here to the service's value" : "")}?",
                403 => $"maintenance: {url} refused (403): turning maintenance on or off needs {OperatorTarget.MaintenanceKey} set here; {key?.Name ?? "the key sent"} only reads",
                400 or 413 => $"maintenance: the service refused the request: {body}",
                _ => $"maintenance: {url} answered {status}",
            }).ConfigureAwait(false);
            return DetailsCommand.NotShown;
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : ex.HttpRequestError.ToString();
            await error.WriteLineAsync($"maintenance: unreachable: {reason} at {url}").ConfigureAwait(false);
            return DetailsCommand.NotShown;
        }
        catch (TaskCanceledException)
        {
            await error.WriteLineAsync($"maintenance: unreachable: no answer within {timeout.TotalSeconds:0.###} s from {url}").ConfigureAwait(false);
            return DetailsCommand.NotShown;
        }
    }

    private static bool TryParse(string[] args, out string action, out Dictionary<string, string> values, out string problem)
    {
        action = args.Length > 0 ? args[0] : "";
        values = [];
        if (action is not ("on" or "off" or "status"))
        {
            problem = action.Length == 0 ? "say on, off or status" : $"unknown action '{action}': say on, off or status";
            return false;
        }

        if (!CommandArguments.TryRead(args[1..], action == "on" ? OnOptions : OtherOptions, out values, out problem))
        {
            return false;
        }

        if (values.TryGetValue("--ttl", out var text)
            && !(Duration.TryParse(text, out var ttl) && ttl >= TimeSpan.FromSeconds(1) && ttl <= TimeSpan.FromHours(24)))
        {
            problem = $"--ttl needs a duration from 1 second to 24 hours, such as 90s, 30m or 2h (was '{text}')";
            return false;
        }

        return true;
    }

    private static bool TryTimeout(Dictionary<string, string> values, out TimeSpan timeout, out string problem)
    {
        timeout = TimeSpan.FromSeconds(5);
        problem = "";
        if (values.TryGetValue("--timeout", out var text) && !(Duration.TryParse(text, out timeout) && timeout > TimeSpan.Zero))
        {
            problem = $"--timeout needs a duration above zero such as 500ms, 5s or 00:00:05 (was '{text}')";
            return false;
        }

        return true;
    }
}
