using System.Globalization;
using System.Text;
using System.Text.Json;
using HealthService.Endpoints;

namespace HealthService.Cli;

/// <summary>
/// <c>HealthService history [--url URL] [--timeout DURATION] [--format table|json]</c>: prints the readiness
/// transitions of the history window as a table, for a terminal where there is no browser (ECS Exec, Session
/// Manager). It reaches the service as <c>details</c> does: the local listener by default, <c>--url</c> with the
/// details key otherwise. Exit 0 with the history, 1 when the service is unreachable or refuses, 2 on bad arguments.
/// </summary>
public static class HistoryCommand
{
    public const string Name = "history";
    public const int Shown = 0;
    public const int NotShown = 1;
    public const int UsageError = 2;

    private static readonly HashSet<string> Options = ["--url", "--timeout", "--format"];
    private static readonly string[] Header = ["AT (UTC)", "FROM", "TO", "REASON"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var configuration = CommandArguments.ServiceConfiguration();
        if (!TryParse(args, configuration, out var url, out var key, out var timeout, out var json, out var problem))
        {
            await error.WriteLineAsync($"history: {problem}").ConfigureAwait(false);
            await error.WriteLineAsync("usage: HealthService history [--url http://10.0.3.7:8080/health/history] [--timeout 5s] [--format table|json]").ConfigureAwait(false);
            return UsageError;
        }

        var body = await OperatorView.GetJsonAsync(Name, url, key, timeout, args.Contains("--url"), status => status == 200, error).ConfigureAwait(false);
        if (body is null)
        {
            return NotShown;
        }

        if (json)
        {
            await output.WriteLineAsync(body).ConfigureAwait(false);
            return Shown;
        }

        try
        {
            await output.WriteAsync(Table(body)).ConfigureAwait(false);
            return Shown;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            await error.WriteLineAsync($"history: {url} answered JSON that is not a history ({ex.Message})").ConfigureAwait(false);
            return NotShown;
        }
    }

    /// <summary>The verdict now and since when, then one row per transition, oldest first.</summary>
    internal static string Table(string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var text = new StringBuilder();
        var now = root.GetProperty("now").GetDateTimeOffset();
        var since = root.GetProperty("since").GetDateTimeOffset();
        text.Append(CultureInfo.InvariantCulture, $"{root.GetProperty("status").GetString()} since {Time(since)} UTC ({Age(now - since)} ago); as of {Time(now)} UTC, over the last {root.GetProperty("window").GetString()}\n");
        var transitions = root.GetProperty("readiness");
        if (transitions.GetArrayLength() == 0)
        {
            text.Append("No transition in the window.\n");
            return text.ToString();
        }

        var rows = new List<string[]> { Header };
        foreach (var transition in transitions.EnumerateArray())
        {
            rows.Add(
            [
                Time(transition.GetProperty("at").GetDateTimeOffset()),
                transition.GetProperty("from").GetString() ?? "",
                transition.GetProperty("to").GetString() ?? "",
                transition.GetProperty("reason").GetString() ?? "",
            ]);
        }

        // Every column but the reason padded to its widest cell; the reason, last, runs as long as it is.
        var widths = Enumerable.Range(0, 3).Select(column => rows.Max(row => row[column].Length)).ToArray();
        text.Append('\n');
        foreach (var row in rows)
        {
            for (var column = 0; column < 3; column++)
            {
                text.Append(row[column].PadRight(widths[column] + 2));
            }

            text.Append(row[3]).Append('\n');
        }

        return text.ToString();
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Age(TimeSpan span) =>
        span < TimeSpan.FromMinutes(2) ? $"{(int)span.TotalSeconds} s"
        : span < TimeSpan.FromHours(2) ? $"{(int)span.TotalMinutes} min"
        : $"{(int)span.TotalHours} h";

    private static bool TryParse(string[] args, IConfiguration configuration, out Uri url, out (string Name, string Value)? key, out TimeSpan timeout, out bool json, out string problem)
    {
        url = null!;
        key = null;
        json = false;
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

        if (values.TryGetValue("--format", out var format))
        {
            if (format is not ("table" or "json"))
            {
                problem = $"--format needs table or json (was '{format}')";
                return false;
            }

            json = format == "json";
        }

        // The history is read with the details view's right: the details key, or the local listener.
        return OperatorTarget.TryResolve(values, configuration, HealthServiceEndpointOptions.DefaultHistoryPath, OperatorRequest.ReadDetails, out url, out key, out problem);
    }
}
