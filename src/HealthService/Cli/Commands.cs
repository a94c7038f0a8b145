namespace HealthService.Cli;

/// <summary>The commands the service's binary runs instead of the service: <c>probe</c>, <c>details</c>, <c>history</c> and <c>maintenance</c>.</summary>
internal static class Commands
{
    /// <summary>The command named by the first argument, or null to run the service.</summary>
    public static Func<string[], TextWriter, TextWriter, Task<int>>? Find(string[] args) => args switch
    {
        [ProbeCommand.Name, ..] => ProbeCommand.RunAsync,
        [DetailsCommand.Name, ..] => DetailsCommand.RunAsync,
        [MaintenanceCommand.Name, ..] => MaintenanceCommand.RunAsync,
        [HistoryCommand.Name, ..] => HistoryCommand.RunAsync,
        _ => null,
    };
}
