using HealthService.Identity;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.Identity;

/// <summary>Which deadline a metadata request meets, as its failure tells it.</summary>
public sealed class DiscoveryDeadlineTests
{
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Total = TimeSpan.FromSeconds(2);

    [Fact]
    public void The_first_request_gets_its_own_timeout()
    {
        var deadline = new DiscoveryDeadline(new FakeTimeProvider(), PerRequest, Total);

        Assert.Equal((PerRequest, "timed out after 1 s"), deadline.Next());
    }

    [Theory]
    [InlineData(1500, 500)]
    [InlineData(1000, 1000)]
    [InlineData(999, 1001)] // a timer may end a hair before the clock reads its whole second: the total still ends first
    [InlineData(2500, 0)]
    public void A_request_that_would_end_with_the_total_deadline_meets_that_deadline(int elapsedMs, int timeoutMs)
    {
        var time = new FakeTimeProvider();
        var deadline = new DiscoveryDeadline(time, PerRequest, Total);

        time.Advance(TimeSpan.FromMilliseconds(elapsedMs));

        Assert.Equal((TimeSpan.FromMilliseconds(timeoutMs), "timed out at the 2 s deadline"), deadline.Next());
    }

    [Fact]
    public void A_request_well_inside_the_total_gets_its_own_timeout()
    {
        var time = new FakeTimeProvider();
        var deadline = new DiscoveryDeadline(time, PerRequest, Total);

        time.Advance(TimeSpan.FromMilliseconds(900));

        Assert.Equal((PerRequest, "timed out after 1 s"), deadline.Next());
    }
}
