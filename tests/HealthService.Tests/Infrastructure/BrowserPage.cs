using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A page opened by <see cref="ChromiumBrowser.OpenAsync"/>, with everything that went wrong while it loaded and ran:
/// console errors and warnings, uncaught exceptions, Content-Security-Policy violations, failed requests and requests to
/// another origin. A self-contained page that behaves has <see cref="Problems"/> empty.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private const string CspBinding = "__healthServiceCspViolation";

    // Runs before any script of the page, outside its Content-Security-Policy. The event is the browser's own report of
    // a violation (what a report-uri endpoint would receive); its console line ("... violates the following Content Security
    // Policy directive ...", "Refused to ..." in older Chromium) is kept among the console messages as well.
    private const string CspListener = $$"""
        window.addEventListener('securitypolicyviolation', e => window.{{CspBinding}}(JSON.stringify({
          directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber,
        })), true);
        """;

    private static readonly TimeSpan ActionLimit = TimeSpan.FromSeconds(10);

    private readonly IBrowserContext _context;
    private readonly string _origin;
    private readonly ConcurrentQueue<string> _consoleMessages = new();
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly ConcurrentQueue<CspViolation> _cspViolations = new();
    private readonly ConcurrentQueue<string> _failedRequests = new();
    private readonly ConcurrentQueue<string> _foreignRequests = new();
    private readonly ConcurrentDictionary<IRequest, byte> _pending = new();

    private BrowserPage(IBrowserContext context, IPage page, Uri url)
    {
        _context = context;
        Page = page;
        _origin = Origin(url.AbsoluteUri);
    }

    /// <summary>The Playwright page, for what the properties here do not cover.</summary>
    public IPage Page { get; }

    /// <summary>The HTTP status of the page itself.</summary>
    public int Status { get; private set; }

    /// <summary>Console messages of type error or warning, as "error: text (source:line)".</summary>
    public IReadOnlyList<string> ConsoleMessages => [.. _consoleMessages];

    /// <summary>Uncaught exceptions and unhandled rejections in the page.</summary>
    public IReadOnlyList<string> PageErrors => [.. _pageErrors];

    public IReadOnlyList<CspViolation> CspViolations => [.. _cspViolations];

    /// <summary>Requests that got no answer, or an answer of 400 or more, as "GET url: reason".</summary>
    public IReadOnlyList<string> FailedRequests => [.. _failedRequests];

    /// <summary>URLs the page asked for on another origin; they were aborted, not sent.</summary>
    public IReadOnlyList<string> ForeignRequests => [.. _foreignRequests];

    /// <summary>Everything above, one line each: what an assertion that the page is clean prints when it is not.</summary>
    public IReadOnlyList<string> Problems =>
    [
        .. _consoleMessages.Select(m => $"console {m}"),
        .. _pageErrors.Select(e => $"page error: {e}"),
        .. _cspViolations.Select(v => $"CSP violation: {v}"),
        .. _failedRequests.Select(r => $"failed request: {r}"),
        .. _foreignRequests.Select(r => $"request to another origin: {r}"),
    ];

    internal static async Task<BrowserPage> CreateAsync(IBrowserContext context, Uri url)
    {
        context.SetDefaultTimeout((float)ActionLimit.TotalMilliseconds);
        var page = new BrowserPage(context, await context.NewPageAsync(), url);
        await page.ObserveAsync();
        return page;
    }

    internal async Task GotoAsync(Uri url)
    {
        // Network idle (no request for 500 ms) rather than load: the events of late requests and queued violation
        // reports have arrived by then.
        try
        {
            var response = await Page.GotoAsync(url.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
            Status = response?.Status ?? 0;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(
                $"{url} did not load and go quiet within {ActionLimit.TotalSeconds} s; unanswered: [{string.Join(", ", _pending.Keys.Select(r => r.Url))}]; "
                + $"problems so far: [{string.Join("; ", Problems)}]", e);
        }
    }

    /// <summary>The rendered text (innerText) of the first element matching <paramref name="selector"/>.</summary>
    public Task<string> TextAsync(string selector = "body") => Page.InnerTextAsync(selector);

    /// <summary>The elements matching <paramref name="selector"/> (CSS, or any Playwright selector).</summary>
    public ILocator Locator(string selector) => Page.Locator(selector);

    /// <summary>Saves a PNG of the whole page (not only the viewport) to <paramref name="path"/>; returns the full path.</summary>
    public async Task<string> SaveScreenshotAsync(string path)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = fullPath, FullPage = true, Type = ScreenshotType.Png });
        return fullPath;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    private async Task ObserveAsync()
    {
        await _context.ExposeFunctionAsync(CspBinding, (string json) =>
        {
            var violation = JsonSerializer.Deserialize<CspViolation>(json, JsonSerializerOptions.Web);
            if (violation is not null)
            {
                _cspViolations.Enqueue(violation);
            }
        });
        await _context.AddInitScriptAsync(CspListener);

        // Aborted here, so a page that is not self-contained sends nothing off the machine; reported by the Request event.
        // With a route in place Playwright also answers Chromium's own /favicon.ico request itself (it never reaches the
        // server, nor the events), so a page without an icon is not reported for that 404, whenever it comes.
        await _context.RouteAsync(url => !IsSameOrigin(url), route => route.AbortAsync("blockedbyclient"));

        Page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                _consoleMessages.Enqueue($"{message.Type}: {message.Text} ({message.Location})");
            }
        };
        Page.PageError += (_, error) => _pageErrors.Enqueue(error);
        Page.Request += (_, request) =>
        {
            _pending.TryAdd(request, 0);
            if (!IsSameOrigin(request.Url))
            {
                _foreignRequests.Enqueue(request.Url);
            }
        };
        Page.RequestFinished += (_, request) => _pending.TryRemove(request, out byte _);
        Page.RequestFailed += (_, request) =>
        {
            _pending.TryRemove(request, out byte _);
            _failedRequests.Enqueue($"{request.Method} {request.Url}: {request.Failure}");
        };
        Page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                _failedRequests.Enqueue($"{response.Request.Method} {response.Url}: {response.Status} {response.StatusText}");
            }
        };
    }

    private bool IsSameOrigin(string url) =>
        url.StartsWith("data:", StringComparison.Ordinal) || url.StartsWith("blob:", StringComparison.Ordinal)
        || string.Equals(Origin(url), _origin, StringComparison.OrdinalIgnoreCase);

    private static string Origin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : url;
}
