namespace HealthService.Cli;

/// <summary>What the commands share: their options (<c>--url</c>, <c>--timeout</c>, ...) and durations such as <c>2s</c>.</summary>
internal static class CommandArguments
{
    /// <summary>
    /// Reads <c>--name value</c> pairs; false, with the problem, for an unknown option or a missing value.
    /// </summary>
    public static bool TryRead(string[] args, IReadOnlySet<string> known, out Dictionary<string, string> values, out string problem)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = "";
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]))
            {
                problem = $"unknown argument '{args[i]}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{args[i]} needs a value";
                return false;
            }

            values[args[i]] = args[i + 1];
        }

        return true;
    }

    /// <summary><c>500ms</c>, <c>2s</c>, <c>1m</c>, <c>2h</c> or <c>00:01:00</c>; never negative.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration) => HealthService.Lifecycle.Duration.TryParse(text, out duration);

    /// <summary>
    /// The configuration the service itself would read on this machine (appsettings.json beside the binary, then
    /// environment variables, ASP.NET Core's own included), so that a command finds the service without being told.
    /// </summary>
    public static IConfiguration ServiceConfiguration()
    {
        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
    }
}
