using HealthService.Identity;
using Serilog.Core;
using Serilog.Events;

namespace HealthService.Logging;

/// <summary>
/// Adds <c>Instance</c> (the ECS task id, EC2 instance id, configured name or host name) to every event once
/// discovery has found it, so that lines from many copies of the service in one log group can be told apart. Events
/// written before then (the first second or two of start-up) carry none rather than a host name that would change.
/// </summary>
internal sealed class InstanceEnricher(InstanceIdentityProvider provider) : ILogEventEnricher
{
    public const string PropertyName = "Instance";

    private LogEventProperty? _property;

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var property = _property;
        if (property is null)
        {
            if (provider.Current is not { } identity)
            {
                return;
            }

            property = _property = new LogEventProperty(PropertyName, new ScalarValue(identity.Id));
        }

        logEvent.AddPropertyIfAbsent(property);
    }
}
