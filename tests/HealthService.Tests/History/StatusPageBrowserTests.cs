using System.Globalization;
using HealthService.Tests.Infrastructure;

namespace HealthService.Tests.History;

/// <summary>
/// <c>/health/ui</c> in a real browser (Debian's Chromium), served by the real process after a real dependency's
/// outage and recovery: the page names the probe, draws the outage in the timelines and lists it among the
/// transitions, applies its one style sheet, and logs no console error, CSP violation or request anywhere else; it
/// reads on a phone without scrolling sideways. The screenshot in docs/operations.md is the one this test makes.
/// </summary>
[Collection(nameof(SharedChromium))]
public sealed class StatusPageBrowserTests(ChromiumBrowser browser)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Where the test leaves its screenshots: artifacts/screenshots under the repository.</summary>
    public static string ScreenshotFolder => Path.Combine(ConfigurationTests.RepositoryRoot(), "artifacts", "screenshots");

    [Fact]
    public async Task After_a_real_outage_and_recovery_the_page_shows_the_probe_the_outage_and_the_transitions_without_a_single_browser_error()
    {
        await using var dependency = StubHttpServer.Start();
        var port = ServiceProcess.FreeLoopbackPort();
        var localPort = ServiceProcess.FreeLoopbackPort();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__Interval"] = "00:00:01",
            ["Health__Timeout"] = "00:00:00.800",
            ["Health__MaxAge"] = "00:00:30",
            ["Health__DrainDelay"] = "00:00:00",
            ["Health__Details__Enabled"] = "true",
            ["Health__Details__LocalPort"] = localPort.ToString(CultureInfo.InvariantCulture),
            ["Health__Http__payments__Url"] = dependency.Url().ToString(),
            ["Health__Http__payments__Critical"] = "true",
            ["Health__Memory__Enabled"] = "true",
        });
        var health = $"http://127.0.0.1:{port}/health";
        await service.WaitForStatusAsync(health, 200, StartTimeout);
        dependency.Behavior = StubBehavior.Status(500, "down");
        await service.WaitForStatusAsync(health, 503, StartTimeout);
        dependency.Behavior = StubBehavior.Status(200, "OK");
        await service.WaitForStatusAsync(health, 200, StartTimeout);

        // Keyless on the local listener, as an operator reaches it through a Session Manager port forward.
        await using var page = await browser.OpenAsync(new Uri($"http://127.0.0.1:{localPort}/health/ui"));

        Assert.Equal(200, page.Status);
        Assert.Empty(page.Problems);
        Assert.Equal("OK", await page.TextAsync("h1"));

        // The style sheet the policy admits by its hash is applied: the verdict is green, the outage red.
        Assert.Equal("rgb(26, 127, 55)", await page.Locator("h1 .w").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        var readinessTimeline = page.Locator("section").Nth(0);
        Assert.Equal("rgb(198, 40, 40)", await readinessTimeline.Locator("svg path.r").EvaluateAsync<string>("e => getComputedStyle(e).stroke"));
        Assert.Contains("Unhealthy", await readinessTimeline.Locator("p.runs").InnerTextAsync(), StringComparison.Ordinal);

        // The probe's row: its name, status, that it gates readiness, and the outage in its own timeline.
        var row = page.Locator("tr:has(td[data-l=Probe] b:text-is(\"http:payments\"))");
        Assert.Equal(1, await row.CountAsync());
        Assert.Equal("Healthy", await row.Locator("td[data-l=Status]").InnerTextAsync());
        Assert.Equal("critical", await row.Locator("td[data-l='Gates readiness']").InnerTextAsync());
        Assert.Equal(1, await row.Locator("svg path.r").CountAsync());
        Assert.Contains("Unhealthy", await row.Locator("p.runs").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("reported only", await page.Locator("tr:has(td[data-l=Probe] b:text-is(\"memory\"))").Locator("td[data-l='Gates readiness']").InnerTextAsync());

        // The transitions, newest first: back to OK, the outage naming the probe and its reason, the start.
        var transitions = await page.Locator("section").Last.Locator("tbody tr").AllInnerTextsAsync();
        Assert.Equal(3, transitions.Count);
        Assert.Matches(@"\tUnhealthy\tOK\tevery critical probe passes$", transitions[0]);
        Assert.Matches(@"\tOK\tUnhealthy\thttp:payments: GET http://127\.0\.0\.1:\d+: unexpected status 500$", transitions[1]);
        Assert.Matches(@"\tStarting\tOK\tevery critical probe passes$", transitions[2]);

        Directory.CreateDirectory(ScreenshotFolder);
        await page.SaveScreenshotAsync(Path.Combine(ScreenshotFolder, "status-page.png"));

        // On a phone: nothing wider than the screen, each table row read as labelled lines.
        await using var phone = await browser.OpenAsync(new Uri($"http://127.0.0.1:{localPort}/health/ui"), viewport: (390, 844));
        Assert.Empty(phone.Problems);
        Assert.True(await phone.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the page scrolls sideways on a 390 px wide screen");
        Assert.Equal("none", await phone.Locator("thead").First.EvaluateAsync<string>("e => getComputedStyle(e).display"));
        var status = phone.Locator("tr:has(td[data-l=Probe] b:text-is(\"http:payments\"))").Locator("td[data-l=Status]");
        Assert.Equal("block", await status.EvaluateAsync<string>("e => getComputedStyle(e).display"));
        Assert.Equal("\"Status: \"", await status.EvaluateAsync<string>("e => getComputedStyle(e, '::before').content"));
        await phone.SaveScreenshotAsync(Path.Combine(ScreenshotFolder, "status-page-phone.png"));
    }
}
