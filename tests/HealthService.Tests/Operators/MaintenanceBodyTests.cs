using System.Net;
using System.Text;
using System.Text.Json;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthService.Tests.Operators;

/// <summary>A maintenance request body is at most 4096 bytes however it is sent: with a Content-Length or chunked.</summary>
public sealed class MaintenanceBodyTests
{
    private const string MaintenanceKey = "k3y-for-maintenance-writes-9876543210";
    private const int Limit = 4096;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A factory that records the framing of each maintenance request as the service received it.</summary>
    private static (HealthServiceFactory Factory, List<string> Framing) Factory()
    {
        var framing = new List<string>();
        var factory = new HealthServiceFactory()
            .With("Health:Details:Enabled", "true")
            .With("Health:Maintenance:ApiKey", MaintenanceKey)
            .WithServices(services => services.AddSingleton<IStartupFilter>(new FramingRecorder(framing)));
        return (factory, framing);
    }

    private sealed class FramingRecorder(List<string> framing) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (HttpMethods.IsPut(context.Request.Method))
                {
                    lock (framing)
                    {
                        framing.Add($"Content-Length: {context.Request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; Transfer-Encoding: {context.Request.Headers.TransferEncoding}");
                    }
                }

                return following(context);
            });
            next(app);
        };
    }

    /// <summary>A JSON body of exactly <paramref name="length"/> bytes.</summary>
    private static byte[] BodyOf(int length)
    {
        const string Head = "{\"ttl\":\"30m\",\"reason\":\"";
        const string Tail = "\"}";
        return Encoding.UTF8.GetBytes(Head + new string('x', length - Head.Length - Tail.Length) + Tail);
    }

    /// <summary>Sends <paramref name="body"/> in 512-byte chunks, without a length, as a streaming client does.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var at = 0; at < body.Length; at += 512)
            {
                await stream.WriteAsync(body.AsMemory(at, Math.Min(512, body.Length - at)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A body that never ends: JSON that keeps going until the request is abandoned.</summary>
    private sealed class EndlessContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var head = Encoding.UTF8.GetBytes("{\"ttl\":\"30m\",\"reason\":\"");
            await stream.WriteAsync(head, cancellationToken);
            var block = Encoding.UTF8.GetBytes(new string('x', 512));
            while (!cancellationToken.IsCancellationRequested)
            {
                await stream.WriteAsync(block, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>
    /// A client that streams the request body to the service as it is written: the factory's default client follows
    /// redirects, and to resend a body it first copies the whole of it.
    /// </summary>
    private static HttpClient StreamingClient(HealthServiceFactory factory) =>
        factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    private static async Task<(int Status, string Body)> PutAsync(HttpClient client, HttpContent content, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/health/maintenance") { Content = content };
        request.Headers.Add("X-Health-Key", MaintenanceKey);
        request.Headers.TransferEncodingChunked = content is not ByteArrayContent;
        var response = await client.SendAsync(request, token);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(token));
    }

    private static void AssertTooLarge((int Status, string Body) answer)
    {
        Assert.Equal(413, answer.Status);
        using var json = JsonDocument.Parse(answer.Body);
        Assert.Equal("the body must be at most 4096 bytes", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_chunked_body_over_4096_bytes_gets_413_and_leaves_the_instance_in_rotation()
    {
        var (factory, framing) = Factory();
        await using var _ = factory;
        await factory.WaitForStatusAsync(200, "OK");
        var client = StreamingClient(factory);

        AssertTooLarge(await PutAsync(client, new ChunkedContent(BodyOf(Limit + 1)), Ct));

        Assert.Equal(["Content-Length: none; Transfer-Encoding: chunked"], framing); // really sent without a length
        Assert.Equal("OK", await (await client.GetAsync("/health", Ct)).Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_chunked_body_of_exactly_4096_bytes_is_accepted()
    {
        var (factory, framing) = Factory();
        await using var _ = factory;
        await factory.WaitForStatusAsync(200, "OK");
        var client = StreamingClient(factory);

        var answer = await PutAsync(client, new ChunkedContent(BodyOf(Limit)), Ct);

        Assert.Equal(200, answer.Status);
        Assert.Contains("\"maintenance\":true", answer.Body, StringComparison.Ordinal);
        Assert.Equal(["Content-Length: none; Transfer-Encoding: chunked"], framing);
    }

    [Fact]
    public async Task A_body_whose_Content_Length_says_over_4096_bytes_gets_413()
    {
        var (factory, framing) = Factory();
        await using var _ = factory;
        await factory.WaitForStatusAsync(200, "OK");
        var client = StreamingClient(factory);

        AssertTooLarge(await PutAsync(client, new ByteArrayContent(BodyOf(Limit + 1)), Ct));

        Assert.Equal([$"Content-Length: {Limit + 1}; Transfer-Encoding: "], framing);
        Assert.Equal("OK", await (await client.GetAsync("/health", Ct)).Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_body_that_never_ends_gets_413_once_past_the_limit_without_waiting_for_its_end()
    {
        var (factory, _) = Factory();
        await using var _ = factory;
        await factory.WaitForStatusAsync(200, "OK");
        var client = StreamingClient(factory);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        var answer = await PutAsync(client, new EndlessContent(), patience.Token);

        AssertTooLarge(answer);
        Assert.Equal("OK", await (await client.GetAsync("/health", Ct)).Content.ReadAsStringAsync(Ct));
    }
}
