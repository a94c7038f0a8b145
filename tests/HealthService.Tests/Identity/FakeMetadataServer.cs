using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Identity;

/// <summary>One request as a fake metadata service saw it.</summary>
public sealed record MetadataRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A metadata service (ECS task metadata, EC2 IMDSv2) played by Kestrel on 127.0.0.1, answering through a handler
/// the test writes, and recording every request in order.
/// </summary>
public sealed class FakeMetadataServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<MetadataRequest> _requests = new();

    private FakeMetadataServer(Func<HttpContext, Task> handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        _app = builder.Build();
        _app.Run(context =>
        {
            _requests.Enqueue(new MetadataRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            return handle(context);
        });
    }

    public static async Task<FakeMetadataServer> StartAsync(Func<HttpContext, Task> handle)
    {
        var server = new FakeMetadataServer(handle);
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    /// <summary>A server that reads each request and never answers, until the client gives up or the test ends.</summary>
    public static Task<FakeMetadataServer> StartHangingAsync() =>
        StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));

    public Uri Url(string path = "/") =>
        new(new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()), path);

    public IReadOnlyList<MetadataRequest> Requests => [.. _requests];

    public static Task Answer(HttpContext context, int status, string body = "")
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // A request still hanging is of no interest once the test is over.
        }

        await _app.DisposeAsync();
    }
}
