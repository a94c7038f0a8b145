using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Probes;

/// <summary>TCP probes (<c>Health:Tcp:&lt;name&gt;:Address</c>) against real listeners on loopback.</summary>
public sealed class TcpProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory(string address) => new HealthServiceFactory().With("Health:Tcp:db:Address", address);

    [Fact]
    public async Task An_open_port_is_healthy()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var factory = Factory($"127.0.0.1:{port}");

        var change = await factory.WaitForProbeAsync("tcp:db", "Healthy");

        Assert.Equal($"127.0.0.1:{port} accepted a connection", CollectingSink.Scalar(change, "Reason"));
    }

    [Fact]
    public async Task A_closed_port_is_unhealthy_with_connection_refused_and_only_reported()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var factory = Factory($"127.0.0.1:{port}");

        var change = await factory.WaitForProbeAsync("tcp:db", "Unhealthy");

        Assert.Equal($"127.0.0.1:{port}: connection refused", CollectingSink.Scalar(change, "Reason"));
        await factory.WaitForStatusAsync(200, "OK"); // Critical is false unless set
    }

    [Fact]
    public async Task A_closed_port_takes_readiness_down_when_the_probe_is_critical()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var factory = Factory($"127.0.0.1:{port}").With("Health:Tcp:db:Critical", "true");

        await factory.WaitForProbeAsync("tcp:db", "Unhealthy");

        await factory.WaitForStatusAsync(503, "Unhealthy");
    }

    [Fact]
    public async Task A_listener_whose_backlog_is_full_times_out_at_the_deadline()
    {
        // A listening socket with a backlog of 0 that never accepts: once its queue holds what it can, the kernel
        // drops every further SYN, so a connect neither succeeds nor is refused. That is a server that never answers,
        // on loopback, every time.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var queued = await SaturateAsync(endpoint);
        try
        {
            await using var factory = Factory($"127.0.0.1:{endpoint.Port}").With("Health:Tcp:db:Timeout", "00:00:00.400");

            var change = await factory.WaitForProbeAsync("tcp:db", "Unhealthy");

            Assert.EndsWith("timed out after 0.4 s", CollectingSink.Scalar(change, "Reason"), StringComparison.Ordinal);
            Assert.InRange(double.Parse(CollectingSink.Scalar(change, "DurationMs")!, CultureInfo.InvariantCulture), 380, 800);
        }
        finally
        {
            queued.ForEach(socket => socket.Dispose());
        }
    }

    /// <summary>Connects until a connect hangs: the listener's queue is then full.</summary>
    private static async Task<List<Socket>> SaturateAsync(IPEndPoint endpoint)
    {
        var queued = new List<Socket>();
        while (queued.Count < 64)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                await client.ConnectAsync(endpoint, limit.Token);
                queued.Add(client);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                client.Dispose();
                return queued;
            }
        }

        throw new InvalidOperationException("A listener with a backlog of 0 took 64 connections without accepting one.");
    }

    [Theory]
    [InlineData("Tcp", "nohost")]
    [InlineData("Tcp", "db.internal:0")]
    [InlineData("Tcp", "db.internal:99999")]
    [InlineData("Tcp", ":5432")]
    [InlineData("Tcp", "db.internal:postgres")]
    [InlineData("Tls", "nohost")]
    [InlineData("Tls", "db.internal:0")]
    [InlineData("Tls", "db.internal:99999")]
    public async Task A_bad_address_stops_start_up_naming_the_key(string kind, string address)
    {
        var error = await StartFailure.OfAsync((_, _) => { }, new Dictionary<string, string?> { [$"Health:{kind}:db:Address"] = address });

        Assert.Contains($"Health:{kind}:db:Address must be host:port with a port from 1 to 65535 (was '{address}').", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tcp")]
    [InlineData("Tls")]
    public async Task A_probe_without_an_address_stops_start_up_naming_the_key(string kind)
    {
        var error = await StartFailure.OfAsync((_, _) => { }, new Dictionary<string, string?> { [$"Health:{kind}:db:Critical"] = "true" });

        Assert.Contains($"Health:{kind}:db:Address is required", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-1.00:00:00")]
    [InlineData("1000.00:00:00")]
    public async Task A_tls_window_outside_its_range_stops_start_up_naming_the_key(string window)
    {
        var error = await StartFailure.OfAsync((_, _) => { }, new Dictionary<string, string?>
        {
            ["Health:Tls:db:Address"] = "db.internal:443",
            ["Health:Tls:db:ExpiresWithin"] = window,
        });

        Assert.Contains("Health:Tls:db:ExpiresWithin must be from 1 day to 365 days", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_timeout_longer_than_the_interval_stops_start_up_naming_the_key()
    {
        var error = await StartFailure.OfAsync((_, _) => { }, new Dictionary<string, string?>
        {
            ["Health:Tcp:db:Address"] = "db.internal:5432",
            ["Health:Tcp:db:Timeout"] = "00:00:09",
        });

        Assert.Contains("Health:Tcp:db:Timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_process_exits_78_naming_the_key_of_a_bad_address()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?> { ["Health__Tls__payments__Address"] = "payments.internal:99999" });

        Assert.Equal(78, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains("Health:Tls:payments:Address must be host:port with a port from 1 to 65535 (was 'payments.internal:99999').", line, StringComparison.Ordinal);
    }
}
