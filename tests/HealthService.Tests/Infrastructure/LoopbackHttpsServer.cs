using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Infrastructure;

/// <summary>Kestrel on 127.0.0.1 serving <c>GET /health</c> over https with a given certificate.</summary>
public sealed class LoopbackHttpsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackHttpsServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Url => new($"https://127.0.0.1:{Port}/health");

    public static async Task<LoopbackHttpsServer> StartAsync(X509Certificate2 certificate)
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.MapGet("/health", () => Results.Text("OK"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new LoopbackHttpsServer(app, port);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
