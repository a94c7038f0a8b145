using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Probes;

/// <summary>
/// One service process (the native executable in CI) that trusts a test CA through <c>SSL_CERT_FILE</c>, as an
/// operator adds a private CA, probing TLS servers on loopback whose certificates were made for this run, an https
/// API on Kestrel, and TCP ports; every assertion reads the detailed view, as an operator does.
/// </summary>
public sealed class TlsProbeService : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _servers = [];
    private TcpListener? _open;
    private string? _authorityFile;

    public TestCertificates Certificates { get; } = new();

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public Dictionary<string, X509Certificate2> Leaves { get; } = [];

    public Dictionary<string, string> Addresses { get; } = [];

    public ServiceProcess? Service { get; private set; }

    public int Port { get; private set; }

    public string Details { get; private set; } = "";

    public static readonly string[] Probes = ["tls:valid", "tls:expiring", "tls:expired", "tls:selfsigned", "tls:othername", "http:secure", "tcp:open", "tcp:closed"];

    public async ValueTask InitializeAsync()
    {
        Leaves["valid"] = Certificates.Leaf("localhost", Now.AddDays(-1), Now.AddDays(90).AddHours(1));
        Leaves["expiring"] = Certificates.Leaf("localhost", Now.AddDays(-80), Now.AddDays(5).AddHours(1));
        Leaves["expired"] = Certificates.Leaf("localhost", Now.AddDays(-90), Now.AddDays(-2).AddHours(-1));
        Leaves["selfsigned"] = Certificates.SelfSigned("localhost", Now.AddDays(-1), Now.AddDays(90));
        Leaves["othername"] = Certificates.Leaf("other.example", Now.AddDays(-1), Now.AddDays(90));
        Leaves["secure"] = Certificates.Leaf("localhost", Now.AddDays(-1), Now.AddDays(60).AddHours(1));
        foreach (var name in new[] { "valid", "expiring", "expired", "selfsigned", "othername" })
        {
            var server = new LoopbackTlsServer(Leaves[name]);
            _servers.Add(server);
            Addresses[name] = server.Address;
        }

        var https = await LoopbackHttpsServer.StartAsync(Leaves["secure"]);
        _servers.Add(https);
        _open = new TcpListener(IPAddress.Loopback, 0);
        _open.Start();
        Addresses["open"] = $"127.0.0.1:{((IPEndPoint)_open.LocalEndpoint).Port}";
        Addresses["closed"] = $"127.0.0.1:{ServiceProcess.FreeLoopbackPort()}";
        _authorityFile = Certificates.WriteAuthorityPem();

        Port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        Service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            ["SSL_CERT_FILE"] = _authorityFile,
            ["Health__Interval"] = "00:00:02",
            ["Health__Timeout"] = "00:00:01.500",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(CultureInfo.InvariantCulture),
            ["Health__Tls__valid__Address"] = Addresses["valid"],
            ["Health__Tls__valid__ServerName"] = "localhost",
            ["Health__Tls__expiring__Address"] = Addresses["expiring"], // no ServerName: the certificate's IP address matches
            ["Health__Tls__expired__Address"] = Addresses["expired"],
            ["Health__Tls__selfsigned__Address"] = Addresses["selfsigned"],
            ["Health__Tls__othername__Address"] = Addresses["othername"],
            ["Health__Tls__othername__ServerName"] = "localhost",
            ["Health__Http__secure__Url"] = https.Url.ToString(),
            ["Health__Tcp__open__Address"] = Addresses["open"],
            ["Health__Tcp__closed__Address"] = Addresses["closed"],
        });
        await Service.WaitForStatusAsync($"http://127.0.0.1:{Port}/health", 200, TimeSpan.FromSeconds(30));

        using var client = new HttpClient();
        var limit = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            Details = await client.GetStringAsync(new Uri($"http://127.0.0.1:{localPort}/health/details"), TestContext.Current.CancellationToken);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        while (!Settled(Details) && limit.Elapsed < TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// Every probe has a result, and none timed out: the first handshakes of a new process load OpenSSL and its trust
    /// store, and on a busy machine one may outlast its deadline; the next round shows what the server did.
    /// </summary>
    private static bool Settled(string details)
    {
        using var view = JsonDocument.Parse(details);
        var entries = view.RootElement.GetProperty("entries");
        return Probes.All(probe => entries.TryGetProperty(probe, out var entry)
            && entry.GetProperty("description").GetString() is { } description
            && !description.Contains("timed out", StringComparison.Ordinal) && !description.Contains("still running", StringComparison.Ordinal));
    }

    public JsonElement Entry(string probe)
    {
        using var view = JsonDocument.Parse(Details);
        Assert.True(view.RootElement.GetProperty("entries").TryGetProperty(probe, out var entry), $"{probe} is not in the view: {Details}");
        return entry.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _open?.Dispose();
        foreach (var leaf in Leaves.Values)
        {
            leaf.Dispose();
        }

        Certificates.Dispose();
        if (_authorityFile is not null)
        {
            File.Delete(_authorityFile);
        }
    }
}

/// <summary>TLS probes (<c>Health:Tls:&lt;name&gt;</c>), the certificate an https HTTP probe saw, and TCP probes, in the real process.</summary>
public sealed class TlsProbeProcessTests(TlsProbeService service) : IClassFixture<TlsProbeService>
{
    private static string Iso(X509Certificate2 certificate) =>
        certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private void AssertCertificateData(JsonElement entry, string leaf, int daysLeft)
    {
        var data = entry.GetProperty("data");
        Assert.Equal(Iso(service.Leaves[leaf]), data.GetProperty("notAfter").GetString());
        Assert.Equal(daysLeft, data.GetProperty("daysLeft").GetInt32());
    }

    [Fact]
    public void A_leaf_from_the_trusted_CA_valid_for_90_days_is_healthy_with_subject_issuer_notAfter_and_daysLeft()
    {
        var entry = service.Entry("tls:valid");

        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.Equal($"{service.Addresses["valid"]}: certificate valid for 90 more days", entry.GetProperty("description").GetString());
        Assert.Equal("CN=localhost", entry.GetProperty("data").GetProperty("subject").GetString());
        Assert.Equal("CN=HealthService Test CA", entry.GetProperty("data").GetProperty("issuer").GetString());
        AssertCertificateData(entry, "valid", 90);
        Assert.Equal(["non-critical"], entry.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public void A_leaf_expiring_within_14_days_is_degraded_with_the_days_left()
    {
        var entry = service.Entry("tls:expiring");

        Assert.Equal("Degraded", entry.GetProperty("status").GetString());
        Assert.Equal($"{service.Addresses["expiring"]}: certificate expires in 5 days", entry.GetProperty("description").GetString());
        AssertCertificateData(entry, "expiring", 5);
    }

    [Fact]
    public void An_expired_leaf_is_unhealthy()
    {
        var entry = service.Entry("tls:expired");

        Assert.Equal("Unhealthy", entry.GetProperty("raw").GetProperty("status").GetString());
        Assert.Equal($"{service.Addresses["expired"]}: certificate expired", entry.GetProperty("description").GetString());
        AssertCertificateData(entry, "expired", -3);
    }

    [Fact]
    public void A_self_signed_certificate_is_untrusted()
    {
        var entry = service.Entry("tls:selfsigned");

        Assert.Equal("Unhealthy", entry.GetProperty("raw").GetProperty("status").GetString());
        Assert.StartsWith($"{service.Addresses["selfsigned"]}: certificate untrusted: ", entry.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("CN=localhost", entry.GetProperty("data").GetProperty("issuer").GetString());
    }

    [Fact]
    public void A_certificate_for_another_name_is_unhealthy()
    {
        var entry = service.Entry("tls:othername");

        Assert.Equal("Unhealthy", entry.GetProperty("raw").GetProperty("status").GetString());
        Assert.Equal($"{service.Addresses["othername"]}: certificate for another name", entry.GetProperty("description").GetString());
    }

    [Fact]
    public void An_https_dependency_reports_the_not_after_and_days_left_of_its_certificate()
    {
        var entry = service.Entry("http:secure");

        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        AssertCertificateData(entry, "secure", 60);
    }

    [Fact]
    public void Tcp_probes_report_an_open_and_a_refused_port()
    {
        Assert.Equal("Healthy", service.Entry("tcp:open").GetProperty("status").GetString());
        var closed = service.Entry("tcp:closed");
        Assert.Equal("Unhealthy", closed.GetProperty("raw").GetProperty("status").GetString());
        Assert.Equal($"{service.Addresses["closed"]}: connection refused", closed.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Failing_tcp_and_tls_probes_are_only_reported_by_default()
    {
        using var client = new HttpClient();

        var response = await client.GetAsync(new Uri($"http://127.0.0.1:{service.Port}/health"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
