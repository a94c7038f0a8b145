using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Browser;

/// <summary>
/// The browser harness itself, against pages served by a real Kestrel on loopback: it stays quiet on a clean page under
/// a strict Content-Security-Policy and reports each kind of fault a page can have.
/// </summary>
[Collection(nameof(SharedChromium))]
public sealed class BrowserHarnessTests(ChromiumBrowser browser)
{
    private const string Style = "h1 { color: rgb(18, 52, 86); }";
    private const string Body = """<h1>All probes healthy</h1><ul><li>postgres: Healthy</li><li>redis: Healthy</li></ul>""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_clean_page_under_a_strict_policy_has_no_problems_and_its_text_elements_and_screenshot_can_be_read()
    {
        await using var server = await PageServer.StartAsync(Html(), Policy());

        await using var page = await browser.OpenAsync(server.Url);

        Assert.Empty(page.Problems);
        Assert.Equal(200, page.Status);
        Assert.Equal("All probes healthy\npostgres: Healthy\nredis: Healthy", await page.TextAsync());
        Assert.Equal(2, await page.Locator("li").CountAsync());
        Assert.Equal("rgb(18, 52, 86)", await page.Locator("h1").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        var screenshot = await page.SaveScreenshotAsync(Path.Combine(Path.GetTempPath(), $"healthservice-browser-{Guid.NewGuid():N}", "clean.png"));
        try
        {
            var png = await File.ReadAllBytesAsync(screenshot, Ct);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(screenshot)!, recursive: true);
        }
    }

    [Fact]
    public async Task Extra_headers_go_with_every_request_of_the_page()
    {
        await using var server = await PageServer.StartAsync(Html(body: $"{Body}<img src=\"/pixel.png\" alt=\"\">"), $"{Policy()}; img-src 'self'");

        await using var page = await browser.OpenAsync(server.Url, new Dictionary<string, string> { ["X-Health-Key"] = "page-key" });

        Assert.Empty(page.Problems);
        Assert.Equal(["/ page-key", "/pixel.png page-key"], server.Requests.Order());
    }

    [Fact]
    public async Task An_inline_script_the_policy_does_not_allow_is_reported_as_a_CSP_violation()
    {
        await using var server = await PageServer.StartAsync(Html(script: "document.title = 'script ran';"), Policy());

        await using var page = await browser.OpenAsync(server.Url);

        var violation = Assert.Single(page.CspViolations);
        Assert.Equal("script-src-elem", violation.Directive);
        Assert.Equal("inline", violation.Blocked);
        Assert.Contains(page.ConsoleMessages, m => m.StartsWith("error: Executing inline script violates the following Content Security Policy directive", StringComparison.Ordinal));
        Assert.Equal("Harness", await page.Page.TitleAsync());
    }

    [Fact]
    public async Task An_inline_style_that_does_not_match_its_hash_is_reported_as_a_CSP_violation()
    {
        await using var server = await PageServer.StartAsync(Html(), Policy(style: "h1 { color: red; }"));

        await using var page = await browser.OpenAsync(server.Url);

        var violation = Assert.Single(page.CspViolations);
        Assert.Equal("style-src-elem", violation.Directive);
        Assert.Equal("inline", violation.Blocked);
        Assert.Contains(page.ConsoleMessages, m => m.StartsWith("error: Applying inline style violates the following Content Security Policy directive", StringComparison.Ordinal));
        Assert.NotEqual("rgb(18, 52, 86)", await page.Locator("h1").EvaluateAsync<string>("e => getComputedStyle(e).color"));
    }

    [Fact]
    public async Task A_request_to_another_origin_is_reported_and_never_sent()
    {
        // Another loopback address, so that even a harness that let the request through would not leave the machine.
        var elsewhere = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        elsewhere.Start();
        try
        {
            var image = $"http://127.0.0.2:{((IPEndPoint)elsewhere.LocalEndpoint).Port}/x.png";
            await using var server = await PageServer.StartAsync(Html(body: $"{Body}<img src=\"{image}\" alt=\"\">"), $"{Policy()}; img-src {image}");

            await using var page = await browser.OpenAsync(server.Url);

            Assert.Equal([image], page.ForeignRequests);
            Assert.Equal([$"GET {image}: net::ERR_BLOCKED_BY_CLIENT.Inspector"], page.FailedRequests);
            Assert.Empty(page.CspViolations);
            Assert.False(elsewhere.Pending(), $"{image} was connected to");
        }
        finally
        {
            elsewhere.Stop();
        }
    }

    [Fact]
    public async Task An_uncaught_exception_in_a_script_the_policy_allows_is_reported_as_a_page_error()
    {
        const string Script = "throw new Error('boom from the page');";
        await using var server = await PageServer.StartAsync(Html(script: Script), Policy(script: Script));

        await using var page = await browser.OpenAsync(server.Url);

        var error = Assert.Single(page.PageErrors);
        Assert.Contains("boom from the page", error, StringComparison.Ordinal);
        Assert.Empty(page.CspViolations);
    }

    private static string Html(string? script = null, string body = Body) =>
        $"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harness</title><style>{Style}</style>{(script is null ? "" : $"<script>{script}</script>")}</head><body>{body}</body></html>""";

    private static string Policy(string style = Style, string? script = null) =>
        $"default-src 'none'; style-src {Hash(style)}{(script is null ? "" : $"; script-src {Hash(script)}")}";

    private static string Hash(string inline) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)))}'";

    /// <summary>Kestrel on 127.0.0.1, a free port: the page at "/" with its policy, a 1x1 PNG at /pixel.png.</summary>
    private sealed class PageServer : IAsyncDisposable
    {
        private static readonly byte[] Pixel = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _requests = new();

        private PageServer(string html, string policy)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.Use((context, next) =>
            {
                _requests.Enqueue($"{context.Request.Path} {context.Request.Headers["X-Health-Key"]}");
                return next(context);
            });
            _app.MapGet("/", (HttpContext context) =>
            {
                context.Response.Headers.ContentSecurityPolicy = policy;
                return Results.Text(html, "text/html; charset=utf-8");
            });
            _app.MapGet("/pixel.png", () => Results.Bytes(Pixel, "image/png"));
        }

        public Uri Url => new(_app.Urls.Single());

        /// <summary>Each request as "path X-Health-Key".</summary>
        public IReadOnlyList<string> Requests => [.. _requests];

        public static async Task<PageServer> StartAsync(string html, string policy)
        {
            var server = new PageServer(html, policy);
            await server._app.StartAsync(Ct);
            return server;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
