using HealthService.Probes.Resources;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests;

public sealed class HysteresisTests
{
    // Degraded at 80 %, Unhealthy at 90 %, 5 points of hysteresis.
    [Theory]
    [InlineData(new double[] { 10, 79.9 }, HealthStatus.Healthy)]
    [InlineData(new double[] { 80 }, HealthStatus.Degraded)]
    [InlineData(new double[] { 90 }, HealthStatus.Unhealthy)]
    [InlineData(new double[] { 80, 79 }, HealthStatus.Degraded)] // not yet 5 points below
    [InlineData(new double[] { 80, 75.1 }, HealthStatus.Degraded)]
    [InlineData(new double[] { 80, 74.9 }, HealthStatus.Healthy)]
    [InlineData(new double[] { 90, 86 }, HealthStatus.Unhealthy)]
    [InlineData(new double[] { 90, 84.9 }, HealthStatus.Degraded)]
    [InlineData(new double[] { 90, 50 }, HealthStatus.Healthy)]
    [InlineData(new double[] { 80, 95 }, HealthStatus.Unhealthy)] // getting worse needs no margin
    public void Status_follows_usage_with_hysteresis(double[] readings, HealthStatus expected)
    {
        var classifier = new HysteresisClassifier(80, 90, 5);

        var status = HealthStatus.Healthy;
        foreach (var reading in readings)
        {
            status = classifier.Classify(reading);
        }

        Assert.Equal(expected, status);
    }

    [Fact]
    public void A_value_hovering_at_a_threshold_does_not_flip_the_status_every_round()
    {
        var classifier = new HysteresisClassifier(80, 90, 5);
        double[] hovering = [79.5, 80.2, 79.8, 80.1, 79.4, 80.0, 79.9, 78.0, 80.3];

        var statuses = hovering.Select(classifier.Classify).ToList();

        var changes = statuses.Zip(statuses.Skip(1)).Count(pair => pair.First != pair.Second);
        // Degraded once, at the first reading over 80 %, and it stays so while usage hovers.
        Assert.Equal(HealthStatus.Healthy, statuses[0]);
        Assert.Equal(1, changes);
        Assert.All(statuses.Skip(1), status => Assert.Equal(HealthStatus.Degraded, status));
    }

    [Fact]
    public void Without_hysteresis_the_same_hovering_would_flip()
    {
        var classifier = new HysteresisClassifier(80, 90, 0);
        double[] hovering = [79.5, 80.2, 79.8, 80.1];

        var statuses = hovering.Select(classifier.Classify).ToList();

        Assert.Equal([HealthStatus.Healthy, HealthStatus.Degraded, HealthStatus.Healthy, HealthStatus.Degraded], statuses);
    }
}
