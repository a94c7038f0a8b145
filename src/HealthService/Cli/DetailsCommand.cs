using HealthService.Endpoints;

namespace HealthService.Cli;

/// <summary>
/// <c>HealthService details [--url URL] [--timeout DURATION]</c>: prints the detailed view as JSON. By default it asks
/// the service's local listener (127.0.0.1:<c>Health:Details:LocalPort</c>, read from the same settings the service
/// reads), which needs no key, so it works inside the container (<c>docker exec</c>, ECS Exec) and on the host (SSM)
/// where images carry no curl. With <c>--url</c> it asks that address and sends <c>Health:Details:ApiKey</c> when one
/// is configured (<c>Health:Maintenance:ApiKey</c> does not read the view). Exit 0 with the view (whatever the verdict in it), 1 when the service is unreachable or refuses,
/// 2 on bad arguments.
/// </summary>
public static class DetailsCommand
{
    public const string Name = "details";
    public const int Shown = 0;
    public const int NotShown = 1;
    public const int UsageError = 2;

    private static readonly HashSet<string> Options = ["--url", "--timeout"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var configuration = CommandArguments.ServiceConfiguration();
        if (!TryParse(args, configuration, out var url, out var key, out var timeout, out var problem))
        {
            await error.WriteLineAsync($"details: {problem}").ConfigureAwait(false);
            await error.WriteLineAsync("usage: HealthService details [--url http://10.0.3.7:8080/health/details] [--timeout 5s]").ConfigureAwait(false);
            return UsageError;
        }

        var view = await OperatorView.GetJsonAsync(Name, url, key, timeout, IsExplicit(args), status => status is 200 or 503, error).ConfigureAwait(false);
        if (view is null)
        {
            return NotShown;
        }

        await output.WriteLineAsync(view).ConfigureAwait(false);
        return Shown;
    }

    private static bool IsExplicit(string[] args) => args.Contains("--url");

    private static bool TryParse(string[] args, IConfiguration configuration, out Uri url, out (string Name, string Value)? key, out TimeSpan timeout, out string problem)
    {
        url = null!;
        key = null;
        timeout = TimeSpan.FromSeconds(5);
        if (!CommandArguments.TryRead(args, Options, out var values, out problem))
        {
            return false;
        }

        if (values.TryGetValue("--timeout", out var text) && !(CommandArguments.TryParseDuration(text, out timeout) && timeout > TimeSpan.Zero))
        {
            problem = $"--timeout needs a duration above zero such as 500ms, 5s or 00:00:05 (was '{text}')";
            return false;
        }

        // Only the details key reads the view: the maintenance key would be refused as an unknown caller.
        return OperatorTarget.TryResolve(values, configuration, HealthServiceEndpointOptions.DefaultDetailsPath, OperatorRequest.ReadDetails, out url, out key, out problem);
    }
}
