using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthService.History;
using HealthService.Pipeline;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.History;

/// <summary>
/// Run alone: they count every byte the process allocates during a request, which another test running beside them
/// would add to.
/// </summary>
[CollectionDefinition(nameof(AllocationMeasurements), DisableParallelization = true)]
public sealed class AllocationMeasurements;

/// <summary>
/// One read of a full <c>/health/history</c>: streamed as it is written, not copied and buffered whole, so it costs a
/// small, fixed amount of memory however much the history holds, and shows the history exactly as it was when the
/// read began, however many rounds are recorded while it is sent.
/// </summary>
[Collection(nameof(AllocationMeasurements))]
public sealed class HistoryReadTests
{
    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";
    private const int Probes = 20;
    private const int ResultsPerProbe = 10_000;
    private static readonly IPAddress Remote = IPAddress.Parse("10.0.3.7");
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory() => new HealthServiceFactory()
        .With("Health:Details:Enabled", "true")
        .With("Health:Details:ApiKey", DetailsKey)
        .With("Health:History:Window", "1.00:00:00")
        .With("Health:History:MaxEntries", ResultsPerProbe.ToString(CultureInfo.InvariantCulture))
        .WithRemoteAddress(Remote)
        .WithServices(services => services.AddSingleton<TimeProvider>(new FakeTimeProvider(Start)));

    [Fact]
    public async Task Reading_a_full_history_streams_it_and_allocates_a_small_fraction_of_its_size()
    {
        await using var factory = Factory();
        _ = factory.Server;
        Fill(factory.Services.GetRequiredService<HealthHistory>(), Start.AddSeconds(-ResultsPerProbe), ResultsPerProbe);
        var client = factory.CreateClient();
        var buffer = new byte[64 * 1024];
        await ReadAsync(client, buffer); // warms up: code compiled, pools filled

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var size = await ReadAsync(client, buffer);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(size > 10_000_000, $"the history was only {size} bytes");
        Assert.True(allocated < size / 20, $"one read of {size:N0} bytes of history allocated {allocated:N0} bytes");

        // The same history, exactly as recorded.
        using var request = Request();
        using var response = await client.SendAsync(request, Ct);
        using var history = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct);
        var probes = history.RootElement.GetProperty("probes");
        Assert.Equal(Enumerable.Range(0, Probes).Select(Name), probes.EnumerateObject().Select(p => p.Name));
        foreach (var probe in probes.EnumerateObject())
        {
            var results = probe.Value.EnumerateArray().ToArray();
            Assert.Equal(ResultsPerProbe, results.Length);
            Assert.Equal(Start.AddSeconds(-ResultsPerProbe), results[0].GetProperty("at").GetDateTimeOffset());
            Assert.Equal(Start.AddSeconds(-1), results[^1].GetProperty("at").GetDateTimeOffset());
            Assert.Equal("Healthy", results[0].GetProperty("status").GetString());
            Assert.Equal("Unhealthy", results[1].GetProperty("status").GetString());
            Assert.Equal("Healthy", results[1].GetProperty("raw").GetString());
            Assert.Equal(12.5, results[1].GetProperty("durationMs").GetDouble());
        }

        Assert.Equal(ResultsPerProbe, history.RootElement.GetProperty("maxEntries").GetInt32());
    }

    [Fact]
    public async Task Rendering_the_status_page_over_a_full_steady_history_costs_a_small_fraction_of_the_history()
    {
        await using var factory = Factory();
        _ = factory.Server;
        // Steady probes: a day of results that all say Healthy is one run each on the page.
        Fill(factory.Services.GetRequiredService<HealthHistory>(), Start.AddSeconds(-ResultsPerProbe), ResultsPerProbe, flapping: false);
        var client = factory.CreateClient();
        await PageAsync(client); // warms up: code compiled, pools filled

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var page = await PageAsync(client);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // What the history holds of these results: 32 bytes a result.
        const long held = (long)Probes * ResultsPerProbe * 32;
        Assert.True(allocated < held / 10, $"one status page over {held:N0} bytes of results allocated {allocated:N0} bytes");
        Assert.Contains($"{Name(Probes - 1)}</b>", page, StringComparison.Ordinal);
        Assert.Contains("Healthy", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_shows_the_history_as_it_was_when_it_began_while_rounds_are_recorded_during_it()
    {
        await using var factory = Factory();
        _ = factory.Server;
        var history = factory.Services.GetRequiredService<HealthHistory>();
        Fill(history, Start.AddSeconds(-ResultsPerProbe), ResultsPerProbe);
        var client = factory.CreateClient();
        using var before = Request();
        var expected = await (await client.SendAsync(before, Ct)).Content.ReadAsByteArrayAsync(Ct);

        using var request = Request();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        received.Write(buffer, 0, await body.ReadAsync(buffer, Ct));
        // While the read is under way: 1000 more rounds, each dropping every probe's oldest result (MaxEntries), so
        // the oldest segments of records go, and the results being sent are no longer in the history.
        var recorded = Task.Run(() => Fill(history, Start, 1000), Ct);
        await recorded.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await body.CopyToAsync(received, Ct);

        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(received.ToArray()));
        using var after = Request();
        using var now = JsonDocument.Parse(await (await client.SendAsync(after, Ct)).Content.ReadAsStringAsync(Ct));
        var results = now.RootElement.GetProperty("probes").GetProperty(Name(0)).EnumerateArray().ToArray();
        Assert.Equal(ResultsPerProbe, results.Length);
        Assert.Equal(Start.AddSeconds(1000 - ResultsPerProbe), results[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(Start.AddSeconds(999), results[^1].GetProperty("at").GetDateTimeOffset());
    }

    private static string Name(int probe) => $"probe-{probe:00}";

    /// <summary>
    /// <paramref name="rounds"/> rounds a second apart from <paramref name="first"/>, published to the history as the
    /// evaluation loop publishes them: a day of rounds through the loop itself would take hours.
    /// </summary>
    private static void Fill(HealthHistory history, DateTimeOffset first, int rounds, bool flapping = true)
    {
        for (var round = 0; round < rounds; round++)
        {
            var at = first.AddSeconds(round);
            var status = round % 2 == 0 || !flapping ? HealthStatus.Healthy : HealthStatus.Unhealthy;
            var entries = new Dictionary<string, HealthReportEntry>(StringComparer.OrdinalIgnoreCase);
            var raw = new Dictionary<string, HealthReportEntry>(StringComparer.OrdinalIgnoreCase);
            var times = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
            for (var probe = 0; probe < Probes; probe++)
            {
                entries[Name(probe)] = new HealthReportEntry(status, null, TimeSpan.FromMilliseconds(12.5), null, null, [HealthTags.Critical]);
                raw[Name(probe)] = new HealthReportEntry(HealthStatus.Healthy, null, TimeSpan.FromMilliseconds(12.5), null, null, [HealthTags.Critical]);
                times[Name(probe)] = at;
            }

            var snapshot = new HealthSnapshot(new HealthReport(entries, TimeSpan.FromMilliseconds(20)), times, status == HealthStatus.Healthy, false, at, long.MaxValue, 0, raw);
            history.OnPublished(null, snapshot, status == HealthStatus.Healthy ? Readiness.Ok : Readiness.Unhealthy);
        }
    }

    private static HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/health/history");
        request.Headers.Add("X-Health-Key", DetailsKey);
        return request;
    }

    private static async Task<string> PageAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ui");
        request.Headers.Add("X-Health-Key", DetailsKey);
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>Reads the history as a client that keeps none of it would, and returns its size.</summary>
    private static async Task<long> ReadAsync(HttpClient client, byte[] buffer)
    {
        using var request = Request();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        long size = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, Ct)) > 0)
        {
            size += read;
        }

        return size;
    }
}
