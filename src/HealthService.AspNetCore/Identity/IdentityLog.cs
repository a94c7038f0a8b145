namespace HealthService;

internal static partial class Log
{
    [LoggerMessage(EventId = 1500, EventName = "InstanceIdentityKnown", Level = LogLevel.Information,
        Message = "This instance is {Instance} (from {Source}); metadata services that gave no identity: {Failures}")]
    public static partial void InstanceIdentityKnown(this ILogger logger, string instance, string source, string failures);
}
