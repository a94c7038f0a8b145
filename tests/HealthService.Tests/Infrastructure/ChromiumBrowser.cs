using Microsoft.Playwright;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// One headless Chromium (Debian's <c>chromium</c>, never a browser build of Playwright's own) driven by Playwright,
/// shared by the tests of <see cref="SharedChromium"/>. Each <see cref="OpenAsync"/> gets its own browser context, so
/// pages share no cookies, storage or cache.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    public const string ExecutableVariable = "HEALTHSERVICE_TEST_CHROMIUM";

    public const string NotFoundMessage = "Chromium not found: run ./scripts/test.sh (it installs the Debian package chromium) "
        + "or `apt-get install chromium`, or set HEALTHSERVICE_TEST_CHROMIUM to a Chromium or Chrome executable.";

    private const string DefaultExecutable = "/usr/bin/chromium";

    /// <summary>
    /// Added to Playwright's own defaults, which already carry what a container needs: --no-sandbox (ChromiumSandbox
    /// false below; Chromium refuses to run as root with its sandbox), --disable-dev-shm-usage (a small /dev/shm) and
    /// --disable-background-networking.
    /// </summary>
    private static readonly string[] Arguments =
    [
        "--disable-gpu", // no GPU on these machines: render in software from the start
        "--no-proxy-server", // pages under test are on loopback; a proxy from the environment must not see them
        // Any host other than loopback fails to resolve (IP literals too), so nothing the browser does by itself leaves the machine.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE ::1",
    ];

    private static readonly TimeSpan LaunchLimit = TimeSpan.FromSeconds(30);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public string ExecutablePath { get; private set; } = DefaultExecutable;

    public string Version => Browser.Version;

    private IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not launched.");

    public async ValueTask InitializeAsync()
    {
        ExecutablePath = FindExecutable();
        _playwright = await Playwright.CreateAsync();
        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                ChromiumSandbox = false,
                Args = Arguments,
                Timeout = (float)LaunchLimit.TotalMilliseconds,
            });
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"Chromium ({ExecutablePath}) did not start: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens <paramref name="url"/> in a new page and returns once it has loaded and the network has been idle for
    /// half a second. <paramref name="headers"/> go with every request of the page (e.g. X-Health-Key). Requests to
    /// any origin other than <paramref name="url"/>'s are recorded and aborted, never sent. <paramref name="viewport"/>
    /// is the window's size in CSS pixels (default 1280 x 800); a phone's (390 x 844) also makes it a touch screen.
    /// </summary>
    public async Task<BrowserPage> OpenAsync(Uri url, IReadOnlyDictionary<string, string>? headers = null, (int Width, int Height)? viewport = null)
    {
        var (width, height) = viewport ?? (1280, 800);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ExtraHTTPHeaders = headers ?? new Dictionary<string, string>(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = viewport is not null && width < 600,
            HasTouch = viewport is not null && width < 600,
        });
        try
        {
            var page = await BrowserPage.CreateAsync(context, url);
            await page.GotoAsync(url);
            return page;
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    private static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : throw new InvalidOperationException($"{ExecutableVariable}={configured} does not exist. {NotFoundMessage}");
        }

        return File.Exists(DefaultExecutable) ? DefaultExecutable : throw new InvalidOperationException(NotFoundMessage);
    }
}
