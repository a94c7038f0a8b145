using HealthService.Alerts;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Alerts;

/// <summary>Events made the way the tracker makes them (<see cref="AlertState.EventSince"/>), at a fixed time.</summary>
internal static class SampleAlerts
{
    public const string Service = "orders";
    public const string Instance = "i-0123456789abcdef0";
    public static readonly DateTime Time = new(2026, 3, 1, 12, 0, 5, 123, DateTimeKind.Utc);

    private static readonly AlertState Healthy = State(
        ("http:payments", HealthStatus.Healthy, "Healthy"),
        ("postgres:main", HealthStatus.Healthy, "Healthy"));

    /// <summary>Ready to NotReady: the database times out and the payments API answers 503.</summary>
    public static AlertEvent Failure() => State(
            ("http:payments", HealthStatus.Unhealthy, "unexpected status 503"),
            ("postgres:main", HealthStatus.Unhealthy, "timed out after 2 s"))
        .EventSince(Healthy, Service, Instance);

    /// <summary>NotReady back to Ready.</summary>
    public static AlertEvent Recovery() => (Healthy with { ObservedAt = Time.AddMinutes(3) }).EventSince(
        State(("http:payments", HealthStatus.Unhealthy, "unexpected status 503"), ("postgres:main", HealthStatus.Unhealthy, "timed out after 2 s")),
        Service,
        Instance);

    /// <summary>Ready to NotReady because an operator turned maintenance on; every probe still healthy.</summary>
    public static AlertEvent Maintenance() => (Healthy with { Readiness = Readiness.Maintenance }).EventSince(Healthy, Service, Instance);

    /// <summary>
    /// <paramref name="count"/> failing probes with long names and reasons full of characters that chat formats
    /// must escape, from a service and instance with long names: more than any vendor's limits allow.
    /// </summary>
    public static AlertEvent Huge(int count)
    {
        var probes = Enumerable.Range(0, count)
            .Select(i => ($"probe-{i:000}-" + new string('n', 250), HealthStatus.Unhealthy, $"reason {i}: " + string.Concat(Enumerable.Repeat("<&> timed out ", 400))))
            .ToArray();
        var healthy = probes.Select(p => (p.Item1, HealthStatus.Healthy, "Healthy")).ToArray();
        return State(probes).EventSince(State(healthy), new string('s', 300), new string('i', 300));
    }

    private static AlertState State(params (string Name, HealthStatus Status, string Reason)[] probes) => new(
        probes.All(p => p.Status != HealthStatus.Unhealthy) ? Readiness.Ok : Readiness.Unhealthy,
        [.. probes.Select(p => new AlertState.Probe(p.Name, p.Status, p.Reason)).OrderBy(p => p.Name, StringComparer.Ordinal)],
        Time);
}
