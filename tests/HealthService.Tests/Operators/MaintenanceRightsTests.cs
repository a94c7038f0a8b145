using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Operators;

/// <summary>
/// Two rights: <c>Health:Details:ApiKey</c> reads (the details view, the maintenance state), and only
/// <c>Health:Maintenance:ApiKey</c> (or the local listener) takes the instance out of rotation or puts it back.
/// </summary>
public sealed class MaintenanceRightsTests
{
    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";
    private const string MaintenanceKey = "k3y-for-maintenance-writes-9876543210";
    private const string Path = "/health/maintenance";
    private static readonly IPAddress Remote = IPAddress.Parse("10.0.3.7");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory() => new HealthServiceFactory()
        .With("Health:Details:Enabled", "true")
        .With("Health:Details:ApiKey", DetailsKey)
        .With("Health:Maintenance:ApiKey", MaintenanceKey)
        .WithRemoteAddress(Remote);

    private static async Task<(int Status, string Headers, string Body)> AnswerAsync(HttpClient client, HttpMethod method, string path, string? key, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("X-Health-Key", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, Ct);
        var headers = string.Join(";", response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order());
        return ((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<string> HealthAsync(HttpClient client) =>
        await (await client.GetAsync("/health", Ct)).Content.ReadAsStringAsync(Ct);

    [Fact]
    public async Task The_details_key_reads_the_view_and_the_state_but_a_write_with_it_gets_403_naming_the_maintenance_key()
    {
        await using var factory = Factory();
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        Assert.Equal(200, (await AnswerAsync(client, HttpMethod.Get, "/health/details", DetailsKey)).Status);
        var state = await AnswerAsync(client, HttpMethod.Get, Path, DetailsKey);
        Assert.Equal((200, "{\"maintenance\":false}"), (state.Status, state.Body));

        // Neither turning it on nor ending a window someone else started.
        var put = await AnswerAsync(client, HttpMethod.Put, Path, DetailsKey, "{\"reason\":\"dashboard\",\"ttl\":\"1h\"}");
        Assert.Equal("OK", await HealthAsync(client));
        Assert.Equal(200, (await AnswerAsync(client, HttpMethod.Put, Path, MaintenanceKey, "{\"reason\":\"migration\"}")).Status);
        var delete = await AnswerAsync(client, HttpMethod.Delete, Path, DetailsKey);
        Assert.Equal("Maintenance", await HealthAsync(client));

        foreach (var (status, headers, body) in new[] { put, delete })
        {
            Assert.Equal(403, status);
            Assert.Contains("Content-Type: application/json; charset=utf-8", headers, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(body);
            var error = Assert.Single(json.RootElement.EnumerateObject());
            Assert.Equal("error", error.Name);
            Assert.Contains("Health:Maintenance:ApiKey", error.Value.GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(DetailsKey, body, StringComparison.Ordinal);
            Assert.DoesNotContain(MaintenanceKey, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_maintenance_key_turns_maintenance_on_and_off_and_reads_its_state_but_not_the_details_view()
    {
        await using var factory = Factory();
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        var on = await AnswerAsync(client, HttpMethod.Put, Path, MaintenanceKey, "{\"reason\":\"db migration step 3\",\"ttl\":\"30m\"}");
        Assert.Equal(200, on.Status);
        using (var json = JsonDocument.Parse(on.Body))
        {
            Assert.True(json.RootElement.GetProperty("maintenance").GetBoolean());
            Assert.Equal("maintenance key", json.RootElement.GetProperty("by").GetString());
        }

        Assert.Equal("Maintenance", await HealthAsync(client));
        var state = await AnswerAsync(client, HttpMethod.Get, Path, MaintenanceKey);
        Assert.Equal(200, state.Status);
        Assert.Contains("\"by\":\"maintenance key\"", state.Body, StringComparison.Ordinal);

        // The view of every dependency stays the details key's: to the write key it does not exist.
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            Assert.Equal(await AnswerAsync(client, method, "/health/no-such-view", MaintenanceKey), await AnswerAsync(client, method, "/health/details", MaintenanceKey));
        }

        var off = await AnswerAsync(client, HttpMethod.Delete, Path, MaintenanceKey);
        Assert.Equal((200, "{\"maintenance\":false}"), (off.Status, off.Body));
        Assert.Equal("OK", await HealthAsync(client));

        await factory.LogsWrittenAsync();
        var started = Assert.Single(factory.Logs.WithEventName("MaintenanceStarted"));
        Assert.Equal("maintenance key", CollectingSink.Scalar(started, "By"));
        var ended = Assert.Single(factory.Logs.WithEventName("MaintenanceEnded"));
        Assert.Equal("turned off (maintenance key)", CollectingSink.Scalar(ended, "How"));
        Assert.DoesNotContain(MaintenanceKey, factory.AllLogText(), StringComparison.Ordinal);
        Assert.DoesNotContain(DetailsKey, factory.AllLogText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-for-maintenance-writes-000")]
    [InlineData(MaintenanceKey + "x")]
    [InlineData(DetailsKey + "x")]
    public async Task Without_a_key_or_with_a_wrong_one_maintenance_answers_exactly_as_an_unknown_path(string? sentKey)
    {
        await using var factory = Factory();
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Post })
        {
            var body = method == HttpMethod.Put ? "{\"ttl\":\"1h\"}" : null;
            var maintenance = await AnswerAsync(client, method, Path, sentKey, body);
            Assert.Equal(404, maintenance.Status);
            Assert.Equal(await AnswerAsync(client, method, "/health/no-such-view", sentKey, body), maintenance);
        }

        Assert.Equal("OK", await HealthAsync(client));
    }

    [Fact]
    public async Task The_same_key_for_both_rights_stops_start_up_with_exit_78_naming_both_keys()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = ServiceProcess.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
            ["Health__Details__ApiKey"] = DetailsKey,
            ["Health__Maintenance__ApiKey"] = DetailsKey,
        });

        Assert.Equal(78, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains("Health:Maintenance:ApiKey", line, StringComparison.Ordinal);
        Assert.Contains("Health:Details:ApiKey", line, StringComparison.Ordinal);
        Assert.DoesNotContain(DetailsKey, line, StringComparison.Ordinal);
        Assert.Empty(service.StandardOutput);
    }
}
