using System.Net;
using System.Text.Json;
using HealthService.Probes.Resources;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Endpoints;

public sealed class DetailsTests
{
    private const string ApiKey = "k3y-for-the-detailed-view-0123456789";
    private static readonly IPAddress Remote = IPAddress.Parse("10.0.3.7");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Status, string Headers, string Body)> AnswerAsync(HttpClient client, HttpMethod method, string path, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("X-Health-Key", key);
        }

        var response = await client.SendAsync(request, Ct);
        var headers = string.Join(";", response.Headers.Concat(response.Content.Headers).Select(h => h.Key).Order());
        return ((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(false, null, null)] // off by default
    [InlineData(true, null, null)] // on, but the caller is remote and there is no key
    [InlineData(true, ApiKey, null)] // remote caller without the key
    [InlineData(true, ApiKey, "wrong-key-for-the-detailed-view-000")]
    [InlineData(true, ApiKey, "short")]
    [InlineData(true, ApiKey, ApiKey + "x")]
    public async Task A_caller_it_does_not_admit_gets_exactly_what_an_unknown_path_gives(bool enabled, string? configuredKey, string? sentKey)
    {
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", enabled ? "true" : null)
            .With("Health:Details:ApiKey", configuredKey)
            .WithRemoteAddress(Remote);
        await factory.WaitForStatusAsync(200, "OK");
        var client = factory.CreateClient();

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head, HttpMethod.Post, HttpMethod.Delete })
        {
            var details = await AnswerAsync(client, method, "/health/details", sentKey);
            var unknown = await AnswerAsync(client, method, "/health/no-such-view", sentKey);
            Assert.Equal(404, details.Status);
            Assert.Equal(unknown, details);
        }
    }

    [Fact]
    public async Task A_remote_caller_with_the_key_gets_the_view_in_the_HealthChecks_UI_shape()
    {
        var failing = new ControllableHealthCheck { Mode = ProbeMode.Throw };
        await using var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Details:ApiKey", ApiKey)
            .With("Health:Memory:Enabled", "true")
            .WithCheck("orders-queue", new ControllableHealthCheck())
            .WithCheck("reports", failing, "non-critical")
            .WithRemoteAddress(Remote);
        await factory.WaitForProbeAsync("reports", "Unhealthy");
        // Each result is published as its probe completes: on a loaded machine "reports" can fail before the
        // critical probes' first results, while readiness is still Starting (and the view answers 503).
        await factory.WaitForStatusAsync(200, "OK");

        // The memory probe reports only, so /health does not wait for it: wait until its first result is in too.
        var limit = System.Diagnostics.Stopwatch.StartNew();
        var (status, _, body) = await AnswerAsync(factory.CreateClient(), HttpMethod.Get, "/health/details", ApiKey);
        while (!body.Contains("\"memory\"", StringComparison.Ordinal) && limit.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, Ct);
            (status, _, body) = await AnswerAsync(factory.CreateClient(), HttpMethod.Get, "/health/details", ApiKey);
        }

        Assert.Equal(200, status);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal("Unhealthy", root.GetProperty("status").GetString()); // the worst entry, as HealthChecks UI expects
        Assert.Equal("OK", root.GetProperty("readiness").GetString()); // what /health answers: the failure is non-critical
        Assert.True(TimeSpan.TryParse(root.GetProperty("totalDuration").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.StartsWith("0.1.0", root.GetProperty("version").GetString(), StringComparison.Ordinal); // <Version> in Directory.Build.props
        Assert.InRange(TimeSpan.Parse(root.GetProperty("snapshotAge").GetString()!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero, TimeSpan.FromSeconds(3));
        var entries = root.GetProperty("entries");
        Assert.Equal(["memory", "orders-queue", "reports"], entries.EnumerateObject().Select(e => e.Name).Order());
        var reports = entries.GetProperty("reports");
        Assert.Equal("Unhealthy", reports.GetProperty("status").GetString());
        Assert.Equal("failed with InvalidOperationException", reports.GetProperty("description").GetString());
        Assert.Equal(["non-critical"], reports.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.True(TimeSpan.TryParse(reports.GetProperty("duration").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        // What this machine offers: "cgroup" under a memory limit, "host" without one.
        var source = new SystemResourceReader(CgroupReader.ForThisProcess()).ReadMemory().Source;
        Assert.Equal(source, entries.GetProperty("memory").GetProperty("data").GetProperty("source").GetString());
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_view_serves_the_snapshot_and_never_runs_a_probe()
    {
        var check = new ControllableHealthCheck();
        await using var factory = new HealthServiceFactory()
            .With("Health:Interval", "00:00:30").With("Health:Timeout", "00:00:01")
            .With("Health:Details:Enabled", "true").With("Health:Details:ApiKey", ApiKey)
            .WithCheck("counted", check);
        await factory.WaitForStatusAsync(200, "OK");
        var calls = check.Calls;
        var client = factory.CreateClient();

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(200, (await AnswerAsync(client, HttpMethod.Get, "/health/details", ApiKey)).Status);
        }

        Assert.Equal(calls, check.Calls);
    }

    [Fact]
    public async Task A_caller_on_the_local_listener_gets_the_view_when_enabled_and_secrets_stay_out_of_it()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503));
        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Health__Http__payments__Url"] = stub.Url("/status?token=query-secret").ToString(),
            ["Health__Http__payments__Headers__Authorization"] = "Bearer header-secret",
            ["Health__Postgres__orders__ConnectionString"] = $"Host=127.0.0.1;Port={ServiceProcess.FreeLoopbackPort()};Password=db-secret;Timeout=1",
            ["Health__Postgres__orders__Critical"] = "false",
            // The first connection of a process loads and compiles the driver: on a loaded machine that alone can
            // outlast the default 2 s, and the result would say "timed out" instead of what the server did.
            ["Health__Postgres__orders__Timeout"] = "00:00:04",
        });
        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));
        await stub.WaitForHitsAsync(1, TimeSpan.FromSeconds(10), Ct);
        using var client = new HttpClient();

        // Each result lands when its probe completes: wait until both reporting-only probes have one.
        HttpResponseMessage response;
        string body;
        var limit = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            response = await client.GetAsync($"http://127.0.0.1:{localPort}/health/details", Ct);
            body = await response.Content.ReadAsStringAsync(Ct);
            await Task.Delay(50, Ct);
        }
        while (!(body.Contains("\"http:payments\"", StringComparison.Ordinal) && body.Contains("\"postgres:orders\"", StringComparison.Ordinal))
            && limit.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore);
        using var json = JsonDocument.Parse(body);
        var entries = json.RootElement.GetProperty("entries");
        Assert.Equal($"GET http://127.0.0.1:{stub.Port}: unexpected status 503", entries.GetProperty("http:payments").GetProperty("description").GetString());
        Assert.EndsWith("connection refused", entries.GetProperty("postgres:orders").GetProperty("description").GetString(), StringComparison.Ordinal);
        foreach (var secret in new[] { "query-secret", "header-secret", "db-secret" })
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(service.StandardOutput, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }
}
