using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.Hostile;

/// <summary>
/// The real process abused on loopback: idle and byte-at-a-time connections, oversized headers, random methods and
/// paths, a flood of unauthorised detail requests. Every loop is bounded in count and time.
/// </summary>
public sealed class HostileTrafficTests
{
    private static readonly TimeSpan AbuseDuration = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Health_stays_correct_and_fast_memory_stays_bounded_and_nothing_is_logged_per_rejected_request()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        var baseUrl = $"http://127.0.0.1:{port}";
        await service.WaitForStatusAsync(baseUrl + "/health", 200, TimeSpan.FromSeconds(30));
        using var warmup = new HttpClient { BaseAddress = new Uri(baseUrl) };
        for (var i = 0; i < 200; i++)
        {
            await warmup.GetAsync("/health", TestContext.Current.CancellationToken);
        }

        var rssBefore = ResidentBytes(service.Id);
        var linesBefore = service.StandardOutput.Count;
        using var stop = new CancellationTokenSource(AbuseDuration);
        var sockets = new ConcurrentBag<Socket>();
        var unexpected = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();

        // 300 connections that never send a byte, and 50 that send a request one byte every 50 ms.
        var idle = Task.Run(async () =>
        {
            for (var i = 0; i < 300 && !stop.IsCancellationRequested; i++)
            {
                sockets.Add(await ConnectAsync(port));
            }
        }, CancellationToken.None);
        var trickles = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            using var socket = await ConnectAsync(port);
            var request = Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + new string('a', 500));
            for (var i = 0; i < request.Length && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await socket.SendAsync(request.AsMemory(i, 1), CancellationToken.None);
                }
                catch (SocketException)
                {
                    return; // the server may close a slow connection: that is its right
                }

                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None)).ToArray();

        // Oversized headers, random methods and paths, and unauthorised detail requests.
        using var abuser = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var methods = new[] { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "BREW" };
        var paths = new[] { "/", "/admin", "/.env", "/wp-login.php", "/health/details", "/health/../etc/passwd", "/health/%00", "/health?x=" + new string('x', 2000), "/health/details?key=guess" };
        var floods = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 5_000 && !stop.IsCancellationRequested; i++)
            {
                using var request = (i % 10) switch
                {
                    0 => new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { { "X-Huge", new string('h', 40_000) } } },
                    < 5 => new HttpRequestMessage(HttpMethod.Get, "/health/details"),
                    _ => new HttpRequestMessage(new HttpMethod(methods[random.Next(methods.Length)]), paths[random.Next(paths.Length)]),
                };
                try
                {
                    var response = await abuser.SendAsync(request, CancellationToken.None);
                    var code = (int)response.StatusCode;
                    statuses.AddOrUpdate(code, 1, (_, n) => n + 1);
                    if (code >= 500 || (i % 10 == 0 && code != 431) || (i % 10 is > 0 and < 5 && code != 404))
                    {
                        unexpected.Enqueue($"{request.Method} {request.RequestUri} -> {code}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    unexpected.Enqueue($"{request.Method} {request.RequestUri} -> {ex.Message}");
                }
            }
        }, CancellationToken.None)).ToArray();

        // Meanwhile, the load balancer's view.
        var latencies = new List<TimeSpan>();
        using var balancer = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(5) };
        while (!stop.IsCancellationRequested)
        {
            var timer = Stopwatch.StartNew();
            var response = await balancer.GetAsync("/health", CancellationToken.None);
            latencies.Add(timer.Elapsed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("OK", await response.Content.ReadAsStringAsync(CancellationToken.None));
            await Task.Delay(20, CancellationToken.None);
        }

        await Task.WhenAll([idle, .. trickles, .. floods]);
        var rssAfter = ResidentBytes(service.Id);
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        Assert.Empty(unexpected.Take(10));
        Assert.True(statuses.GetValueOrDefault(431) > 10, $"statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}x{s.Value}"))}");
        latencies.Sort();
        // The abuse shares the machine's two cores with the service: bound the 95th percentile, and the worst case
        // far below any load balancer's timeout.
        var p95 = latencies[(int)(latencies.Count * 0.95)];
        Assert.True(latencies.Count > 50, $"only {latencies.Count} health checks got through");
        Assert.True(p95 < TimeSpan.FromMilliseconds(150) && latencies[^1] < TimeSpan.FromSeconds(1),
            $"/health under abuse: p95 {p95.TotalMilliseconds} ms, slowest {latencies[^1].TotalMilliseconds} ms");
        Assert.True(rssAfter - rssBefore < 150L * 1024 * 1024, $"resident memory grew by {(rssAfter - rssBefore) / 1048576} MiB");
        var loud = service.StandardOutput.Skip(linesBefore).Where(line => line.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal)
            || line.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal));
        Assert.Empty(loud.Take(5));
        Assert.False(service.HasExited);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, CancellationToken.None);
        return socket;
    }

    private static long ResidentBytes(int pid)
    {
        // "VmRSS:	  123456 kB"
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
