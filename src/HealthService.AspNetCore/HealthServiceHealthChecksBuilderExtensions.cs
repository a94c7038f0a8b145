using HealthService.Pipeline;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Settings for checks added in code on the builder that <c>AddHealthService()</c> returns.</summary>
public static class HealthServiceHealthChecksBuilderExtensions
{
    /// <summary>
    /// Flap damping for the check named <paramref name="name"/>: it reports Unhealthy only after
    /// <paramref name="failuresBeforeUnhealthy"/> failed results in a row, and healthy again only after
    /// <paramref name="successesBeforeHealthy"/> good results in a row; as <c>Health:&lt;kind&gt;:&lt;name&gt;:FailuresBeforeUnhealthy</c>
    /// and <c>:SuccessesBeforeHealthy</c> do for configured probes.
    /// </summary>
    /// <param name="builder">The health-checks builder.</param>
    /// <param name="name">The check's name, as registered.</param>
    /// <param name="failuresBeforeUnhealthy">1 to 10; 1 reports a failure at once.</param>
    /// <param name="successesBeforeHealthy">1 to 10; 1 reports a recovery at once.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A threshold below 1 or above 10.</exception>
    public static IHealthChecksBuilder WithFlapDamping(this IHealthChecksBuilder builder, string name, int failuresBeforeUnhealthy = 1, int successesBeforeHealthy = 1)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(failuresBeforeUnhealthy, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(failuresBeforeUnhealthy, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(successesBeforeHealthy, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successesBeforeHealthy, 10);
        builder.Services.Configure<ProbeDamping>(damping => damping.ByProbe[name] = (failuresBeforeUnhealthy, successesBeforeHealthy));
        return builder;
    }
}
