using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using HealthService.Pipeline;
using HealthService.Probes.Dns;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Tests.Probes;

/// <summary>DNS probes against a real DNS server on loopback (dnsmasq), a broken one, and the system resolver.</summary>
public sealed class DnsProbeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HealthCheckResult> CheckAsync(string host, IPEndPoint? server, TimeSpan? deadline = null)
    {
        var check = new DnsHealthCheck(host, server, deadline ?? Deadline);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("dns:test", check, null, null) };
        return check.CheckHealthAsync(context, Ct);
    }

    [Fact]
    public async Task A_name_the_server_knows_is_healthy_with_its_addresses_and_the_time_it_took()
    {
        await using var dns = await DnsmasqServer.StartAsync();

        var result = await CheckAsync(DnsmasqServer.KnownName, dns.EndPoint);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal($"ok.test via {dns.Server} resolved", result.Description);
        Assert.Equal("127.0.0.7, ::7", result.Data["addresses"]);
        Assert.Equal(2, result.Data["addressCount"]);
        Assert.InRange((double)result.Data["resolveMs"], 0, 1000);
    }

    [Fact]
    public async Task A_name_that_does_not_exist_is_NXDOMAIN()
    {
        await using var dns = await DnsmasqServer.StartAsync();

        var result = await CheckAsync(DnsmasqServer.MissingName, dns.EndPoint);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"missing.test via {dns.Server}: NXDOMAIN", result.Description);
    }

    [Fact]
    public async Task A_refused_query_is_REFUSED()
    {
        await using var dns = await DnsmasqServer.StartAsync();

        var result = await CheckAsync(DnsmasqServer.RefusedName, dns.EndPoint);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"x.refused.test via {dns.Server}: REFUSED", result.Description);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_failure_is_SERVFAIL_even_with_the_AAAA_query_unanswered(bool ignoresAaaa)
    {
        await using var dns = ignoresAaaa ? FakeDnsServer.ServFailIgnoringAaaa() : FakeDnsServer.ServFail();

        var result = await CheckAsync("db.internal.example", dns.EndPoint);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"db.internal.example via {dns.EndPoint}: SERVFAIL", result.Description);
    }

    [Fact]
    public async Task A_truncated_answer_is_asked_again_over_TCP()
    {
        await using var dns = FakeDnsServer.TruncatedOverUdp();

        var result = await CheckAsync("db.internal.example", dns.EndPoint);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("10.0.0.1, fd00::1", result.Data["addresses"]);
        Assert.Equal(2, dns.TcpQueries);
    }

    [Theory]
    [InlineData(true, "10.0.0.1")]
    [InlineData(false, "fd00::1")]
    public async Task A_server_that_never_answers_one_query_type_is_healthy_with_the_other_types_address(bool ignoresAaaa, string address)
    {
        // Resolvers and middleboxes that drop AAAA queries are common; the name still resolves for the application.
        await using var dns = ignoresAaaa ? FakeDnsServer.IgnoringAaaa() : FakeDnsServer.IgnoringA();

        var result = await CheckAsync("db.internal.example", dns.EndPoint);

        Assert.Equal((HealthStatus.Healthy, $"db.internal.example via {dns.EndPoint} resolved"), (result.Status, result.Description));
        Assert.Equal(address, result.Data["addresses"]);
        Assert.Equal(1, result.Data["addressCount"]);
    }

    [Fact]
    public async Task A_lost_query_is_sent_again_within_the_deadline()
    {
        await using var dns = FakeDnsServer.LosingFirstQuery();

        var result = await CheckAsync("db.internal.example", dns.EndPoint);

        Assert.Equal((HealthStatus.Healthy, $"db.internal.example via {dns.EndPoint} resolved"), (result.Status, result.Description));
        Assert.Equal("10.0.0.1, fd00::1", result.Data["addresses"]);
        // The first query of each type was lost and the next was answered; a third is sent only if that answer is
        // slower than a quarter of the deadline.
        Assert.InRange(dns.UdpQueriesForA, 2, 3);
        Assert.InRange(dns.UdpQueriesForAaaa, 2, 3);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_at_the_deadline()
    {
        await using var dns = FakeDnsServer.Silent();
        var started = Stopwatch.StartNew();

        var result = await CheckAsync("db.internal.example", dns.EndPoint, TimeSpan.FromMilliseconds(300));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"db.internal.example via {dns.EndPoint}: timed out after 0.3 s", result.Description);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Localhost_resolves_through_the_system_resolver()
    {
        // /etc/hosts answers: no network needed. A name under .invalid is not tested this way: without a reachable
        // resolver getaddrinfo times out (SERVFAIL or no answer), with one it is NXDOMAIN, so the outcome depends on
        // the machine.
        var result = await CheckAsync("localhost", server: null);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("localhost resolved", result.Description);
        Assert.Contains("127.0.0.1", (string)result.Data["addresses"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_details_view_shows_a_failing_name_as_reported_only_while_health_stays_200()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:00.500",
            ["Health__Timeout"] = "00:00:00.400",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(CultureInfo.InvariantCulture),
            ["Health__Dns__db__Host"] = DnsmasqServer.KnownName,
            ["Health__Dns__db__Server"] = dns.Server,
            ["Health__Dns__gone__Host"] = DnsmasqServer.MissingName,
            ["Health__Dns__gone__Server"] = dns.Server,
        });

        await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));
        using var client = new HttpClient();
        // Both probes are non-critical: /health answers 200 with the first snapshot, before either has a result.
        var entries = await SettledEntriesAsync(client, new Uri($"http://127.0.0.1:{localPort}/health/details"), "dns:db", "dns:gone");

        var db = entries["dns:db"]!;
        Assert.Equal("Healthy", db["status"]!.GetValue<string>());
        Assert.Equal("127.0.0.7, ::7", db["data"]!["addresses"]!.GetValue<string>());
        Assert.Equal(2, db["data"]!["addressCount"]!.GetValue<int>());
        var gone = entries["dns:gone"]!;
        Assert.Equal("Unhealthy", gone["status"]!.GetValue<string>());
        Assert.Equal($"missing.test via {dns.Server}: NXDOMAIN", gone["description"]!.GetValue<string>());
        Assert.Equal("non-critical", Assert.Single(gone["tags"]!.AsArray())!.GetValue<string>());
        Assert.Equal("OK", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/health"), Ct));
    }

    /// <summary>
    /// The details view's entries once every one of <paramref name="probes"/> has a result that did not time out:
    /// a process's first queries on a busy machine may outlast the deadline, and the next round shows what the server
    /// said.
    /// </summary>
    private static async Task<JsonNode> SettledEntriesAsync(HttpClient client, Uri details, params string[] probes)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            var entries = JsonNode.Parse(await client.GetStringAsync(details, Ct))!["entries"]!;
            if (probes.All(probe => entries[probe]?["description"]?.GetValue<string>() is { } description
                && !description.Contains("timed out", StringComparison.Ordinal) && !description.Contains("still running", StringComparison.Ordinal)))
            {
                return entries;
            }

            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(20), $"{string.Join(", ", probes)} did not all settle: {entries.ToJsonString()}");
            await Task.Delay(50, Ct);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public async Task An_empty_server_means_the_system_resolver(string server)
    {
        // A template that writes Health__Dns__db__Server= means "not set".
        await using var factory = new HealthServiceFactory()
            .With("Health:Dns:db:Host", "localhost")
            .With("Health:Dns:db:Server", server)
            .With("Health:Dns:db:Critical", "true");

        await factory.WaitForStatusAsync(200, "OK");

        var entry = factory.Services.GetRequiredService<HealthSnapshotStore>().Current!.Report.Entries["dns:db"];
        Assert.Equal((HealthStatus.Healthy, "localhost resolved"), (entry.Status, entry.Description));
    }

    [Fact]
    public async Task A_server_that_is_not_an_address_stops_a_library_applications_start_naming_the_key()
    {
        var error = await StartFailure.OfAsync((_, _) => { }, new Dictionary<string, string?>
        {
            ["Health:Dns:db:Host"] = "db.internal.example",
            ["Health:Dns:db:Server"] = "resolver.internal:53",
        });

        Assert.Contains("Health:Dns:db:Server must be an IP address and port such as 169.254.169.253:53 (was 'resolver.internal:53')", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host", "bad name!", "Health:Dns:db:Host must be a DNS host name")]
    [InlineData("Host", "10.0.0.2", "Health:Dns:db:Host must be a DNS host name")]
    [InlineData("Server", "resolver.internal:53", "Health:Dns:db:Server must be an IP address and port")]
    public async Task A_bad_setting_stops_start_up_with_exit_78_naming_the_key(string setting, string value, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}",
            ["Health__Dns__db__Host"] = "db.internal.example",
            [$"Health__Dns__db__{setting}"] = value,
        };
        await using var service = ServiceProcess.Start(environment);

        Assert.Equal(78, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_without_a_host_stops_start_up_naming_the_key()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}",
            ["Health__Dns__db__Critical"] = "true",
        });

        Assert.Equal(78, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Health:Dns:db:Host is required", Assert.Single(service.StandardError), StringComparison.Ordinal);
    }
}
