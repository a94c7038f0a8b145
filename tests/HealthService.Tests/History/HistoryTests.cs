using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.History;

/// <summary>
/// <c>/health/history</c>: the readiness transitions with their reasons and every probe's results over the window,
/// from memory, within a stated bound, admitted as the details view, never running a probe.
/// </summary>
public sealed class HistoryTests
{
    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";
    private const string MaintenanceKey = "k3y-for-maintenance-only-9876543210";
    private static readonly IPAddress Remote = IPAddress.Parse("10.0.3.7");
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory(FakeTimeProvider time) => new HealthServiceFactory()
        .With("Health:Interval", "00:00:01")
        .With("Health:Timeout", "00:00:00.500")
        .With("Health:Details:Enabled", "true")
        .With("Health:Details:ApiKey", DetailsKey)
        .With("Health:Maintenance:ApiKey", MaintenanceKey)
        .WithRemoteAddress(Remote)
        .WithServices(services => services.AddSingleton<TimeProvider>(time));

    private static async Task<JsonElement> HistoryAsync(HealthServiceFactory factory)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/history");
        request.Headers.Add("X-Health-Key", DetailsKey);
        var response = await factory.CreateClient().SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Advances the fake clock one interval at a time, each time until every probe has its result of that round.</summary>
    private static async Task RunRoundsAsync(HealthServiceFactory factory, FakeTimeProvider time, int rounds, params string[] probes)
    {
        for (var round = 0; round < rounds; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            foreach (var probe in probes)
            {
                await factory.WaitForResultAsync(probe, time);
            }
        }
    }

    private static string[] Transitions(JsonElement history) =>
        [.. history.GetProperty("readiness").EnumerateArray().Select(t => $"{t.GetProperty("from").GetString()}->{t.GetProperty("to").GetString()}")];

    [Fact]
    public async Task An_outage_and_its_recovery_are_recorded_as_transitions_naming_the_probe_and_as_its_results()
    {
        var time = new FakeTimeProvider(Start);
        var orders = new ControllableHealthCheck();
        await using var factory = Factory(time).WithCheck("orders-db", orders);
        await factory.WaitForResultAsync("orders-db", time);
        await factory.WaitForStatusAsync(200, "OK");

        orders.Mode = ProbeMode.Unhealthy;
        await RunRoundsAsync(factory, time, 2, "orders-db");
        orders.Mode = ProbeMode.Healthy;
        await RunRoundsAsync(factory, time, 1, "orders-db");

        var history = await HistoryAsync(factory);
        Assert.Equal(["Starting->OK", "OK->Unhealthy", "Unhealthy->OK"], Transitions(history));
        var outage = history.GetProperty("readiness")[1];
        Assert.Equal(Start.AddSeconds(1), outage.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("orders-db: failing on purpose", outage.GetProperty("reason").GetString());
        Assert.Equal(["orders-db"], outage.GetProperty("probes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(Start.AddSeconds(3), history.GetProperty("readiness")[2].GetProperty("at").GetDateTimeOffset());

        var results = history.GetProperty("probes").GetProperty("orders-db").EnumerateArray().ToArray();
        Assert.Equal(["Healthy", "Unhealthy", "Unhealthy", "Healthy"], results.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal([0, 1, 2, 3], results.Select(r => (int)(r.GetProperty("at").GetDateTimeOffset() - Start).TotalSeconds));
        Assert.All(results, r => Assert.True(r.GetProperty("durationMs").GetDouble() >= 0));

        Assert.Equal("OK", history.GetProperty("status").GetString());
        Assert.Equal(Start.AddSeconds(3), history.GetProperty("since").GetDateTimeOffset());
        Assert.Equal("01:00:00", history.GetProperty("window").GetString());
    }

    [Fact]
    public async Task A_change_no_round_brings_is_recorded_at_once_with_its_reason()
    {
        var time = new FakeTimeProvider(Start);
        await using var factory = Factory(time).WithCheck("orders-db", new ControllableHealthCheck());
        await factory.WaitForResultAsync("orders-db", time);
        await factory.WaitForStatusAsync(200, "OK");

        using var turnOn = new HttpRequestMessage(HttpMethod.Put, "/health/maintenance")
        {
            Content = new StringContent("""{"reason":"kernel patch","ttl":"00:30:00"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        turnOn.Headers.Add("X-Health-Key", MaintenanceKey);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().SendAsync(turnOn, Ct)).StatusCode);

        // No round has run since: the fake clock stands still.
        var history = await HistoryAsync(factory);
        Assert.Equal(["Starting->OK", "OK->Maintenance"], Transitions(history));
        Assert.Equal("maintenance: kernel patch", history.GetProperty("readiness")[1].GetProperty("reason").GetString());
        Assert.Equal("Maintenance", history.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Many_probes_at_a_1_s_interval_keep_only_the_window()
    {
        var time = new FakeTimeProvider(Start);
        var names = Enumerable.Range(1, 20).Select(i => $"probe-{i:00}").ToArray();
        var checks = names.Select(_ => new ControllableHealthCheck()).ToArray();
        var factory = Factory(time).With("Health:History:Window", "00:01:00");
        for (var i = 0; i < names.Length; i++)
        {
            factory = factory.WithCheck(names[i], checks[i]);
        }

        await using (factory)
        {
            await factory.WaitForResultAsync(names[^1], time);
            foreach (var name in names)
            {
                await factory.WaitForResultAsync(name, time);
            }

            // 90 rounds, one a second, flapping every round: 1.5 windows.
            for (var round = 1; round <= 90; round++)
            {
                foreach (var check in checks)
                {
                    check.Mode = round % 2 == 1 ? ProbeMode.Unhealthy : ProbeMode.Healthy;
                }

                await RunRoundsAsync(factory, time, 1, names);
            }

            var history = await HistoryAsync(factory);
            var now = Start.AddSeconds(90);
            Assert.Equal(now, history.GetProperty("now").GetDateTimeOffset());
            var probes = history.GetProperty("probes");
            Assert.Equal(names, probes.EnumerateObject().Select(p => p.Name));
            foreach (var probe in probes.EnumerateObject())
            {
                // The results of 30 s to 90 s: the window's 60 s and the result at its very start.
                var times = probe.Value.EnumerateArray().Select(r => (int)(r.GetProperty("at").GetDateTimeOffset() - Start).TotalSeconds).ToArray();
                Assert.Equal(Enumerable.Range(30, 61), times);
            }

            // Readiness flipped every round; only the flips of the window are kept.
            var transitions = history.GetProperty("readiness").EnumerateArray().ToArray();
            Assert.Equal(61, transitions.Length);
            Assert.Equal(now.AddSeconds(-60), transitions[0].GetProperty("at").GetDateTimeOffset());
        }
    }

    [Fact]
    public async Task MaxEntries_bounds_each_probe_and_the_transitions_within_the_window()
    {
        var time = new FakeTimeProvider(Start);
        var flapping = new ControllableHealthCheck();
        await using var factory = Factory(time).With("Health:History:MaxEntries", "10").WithCheck("flapping", flapping);
        await factory.WaitForResultAsync("flapping", time);
        for (var round = 1; round <= 30; round++)
        {
            flapping.Mode = round % 2 == 1 ? ProbeMode.Unhealthy : ProbeMode.Healthy;
            await RunRoundsAsync(factory, time, 1, "flapping");
        }

        var history = await HistoryAsync(factory);
        var results = history.GetProperty("probes").GetProperty("flapping").EnumerateArray();
        Assert.Equal(Enumerable.Range(21, 10), results.Select(r => (int)(r.GetProperty("at").GetDateTimeOffset() - Start).TotalSeconds));
        Assert.Equal(10, history.GetProperty("readiness").GetArrayLength());
        Assert.Equal(10, history.GetProperty("maxEntries").GetInt32());
    }

    [Theory]
    [InlineData("/health/history")]
    [InlineData("/health/ui")]
    public async Task They_are_admitted_exactly_as_the_details_view(string path)
    {
        var time = new FakeTimeProvider(Start);
        await using var factory = Factory(time).WithCheck("orders-db", new ControllableHealthCheck());
        await factory.WaitForResultAsync("orders-db", time);
        var client = factory.CreateClient();

        async Task<(int Status, string Body)> AnswerAsync(HttpMethod method, string to, string? key)
        {
            using var request = new HttpRequestMessage(method, to);
            if (key is not null)
            {
                request.Headers.Add("X-Health-Key", key);
            }

            var response = await client.SendAsync(request, Ct);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        foreach (var key in new[] { null, "wrong-key-for-the-detailed-view-000", MaintenanceKey })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head, HttpMethod.Post })
            {
                Assert.Equal(await AnswerAsync(method, "/health/no-such-view", key), await AnswerAsync(method, path, key));
                Assert.Equal(await AnswerAsync(method, "/health/details", key), await AnswerAsync(method, path, key));
            }
        }

        Assert.Equal(200, (await AnswerAsync(HttpMethod.Get, path, DetailsKey)).Status);
        Assert.Equal(200, (await AnswerAsync(HttpMethod.Head, path, DetailsKey)).Status);
        Assert.Equal(405, (await AnswerAsync(HttpMethod.Post, path, DetailsKey)).Status);
    }

    [Fact]
    public async Task Reading_the_history_and_the_page_runs_no_probe()
    {
        var time = new FakeTimeProvider(Start);
        var orders = new ControllableHealthCheck();
        await using var factory = Factory(time).WithCheck("orders-db", orders);
        await factory.WaitForResultAsync("orders-db", time);
        var calls = orders.Calls;

        for (var i = 0; i < 20; i++)
        {
            foreach (var path in new[] { "/health/history", "/health/ui" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("X-Health-Key", DetailsKey);
                Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().SendAsync(request, Ct)).StatusCode);
            }
        }

        Assert.Equal(calls, orders.Calls);
    }

    [Theory]
    [InlineData("Health:History:Window", "00:00:30", "Health:History:Window must be between 00:01:00 and 1.00:00:00 (was 00:00:30).")]
    [InlineData("Health:History:Window", "2.00:00:00", "Health:History:Window must be between 00:01:00 and 1.00:00:00 (was 2.00:00:00).")]
    [InlineData("Health:History:MaxEntries", "5", "Health:History:MaxEntries must be between 10 and 100000 (was 5).")]
    [InlineData("Health:History:MaxEntrys", "50", "Health:History:MaxEntrys is not a known setting")]
    public void Bad_history_settings_stop_the_start_naming_the_key(string key, string value, string expected)
    {
        var error = HealthService.Configuration.ConfigurationGuard.FindError(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build());
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
