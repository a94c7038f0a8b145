using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HealthService.Tests.History;

/// <summary>
/// <c>/health/ui</c> as served: one self-contained page under a strict Content-Security-Policy, small whatever the
/// history holds, showing every probe and transition, with what it shows from probes escaped. (How it renders in a
/// browser: StatusPageBrowserTests.)
/// </summary>
public sealed partial class StatusPageTests
{
    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HealthServiceFactory Factory(FakeTimeProvider time) => new HealthServiceFactory()
        .With("Health:Interval", "00:00:01")
        .With("Health:Timeout", "00:00:00.500")
        .With("Health:Details:Enabled", "true")
        .With("Health:Details:ApiKey", DetailsKey)
        .WithRemoteAddress(IPAddress.Parse("10.0.3.7"))
        .WithServices(services => services.AddSingleton<TimeProvider>(time));

    private static async Task<HttpResponseMessage> PageAsync(HealthServiceFactory factory)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ui");
        request.Headers.Add("X-Health-Key", DetailsKey);
        var response = await factory.CreateClient().SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    [Fact]
    public async Task The_page_is_self_contained_and_its_policy_admits_only_its_own_style_sheet()
    {
        var time = new FakeTimeProvider(Start);
        await using var factory = Factory(time).WithCheck("orders-db", new ControllableHealthCheck());
        await factory.WaitForResultAsync("orders-db", time);
        var response = await PageAsync(factory);
        var page = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var styles = StyleElement().Matches(page);
        Assert.Single(styles);
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(styles[0].Groups[1].Value)));
        Assert.Equal(
            $"default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            response.Headers.GetValues("Content-Security-Policy").Single());

        // Nothing to fetch, nothing to run: no script, no link, no source, no address of anything.
        foreach (var forbidden in new[] { "<script", "<link", "src=", "href=", "http://", "https://", "url(", "@import", " style=" })
        {
            Assert.DoesNotContain(forbidden, page, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("<meta http-equiv=\"refresh\" content=\"10\">", page, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_shows_the_verdict_each_probe_and_the_transitions_with_their_reasons()
    {
        var time = new FakeTimeProvider(Start);
        var orders = new ControllableHealthCheck();
        await using var factory = Factory(time)
            .WithCheck("orders-db", orders)
            .WithCheck("search-api", new ControllableHealthCheck { Mode = ProbeMode.Degraded }, "non-critical");
        await factory.WaitForResultAsync("orders-db", time);
        await factory.WaitForResultAsync("search-api", time);
        orders.Mode = ProbeMode.Unhealthy;
        time.Advance(TimeSpan.FromSeconds(1));
        await factory.WaitForResultAsync("orders-db", time);
        for (var second = 2; second <= 5; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await factory.WaitForResultAsync("orders-db", time);
        }

        time.Advance(TimeSpan.FromSeconds(0.5));

        var page = await (await PageAsync(factory)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("<h1><span class=\"w r\">Unhealthy</span></h1>", page, StringComparison.Ordinal);
        Assert.Contains("since 00:00:01 UTC (for 4 s)", page, StringComparison.Ordinal);
        Assert.Matches("<tr><td data-l=\"Probe\"><b>orders-db</b></td><td data-l=\"Status\"><span class=\"w r\">Unhealthy</span></td><td data-l=\"Gates readiness\">critical</td><td data-l=\"Age\">0 s</td><td data-l=\"Last reason\">failing on purpose</td>", page);
        Assert.Contains("<td data-l=\"Probe\"><b>search-api</b></td><td data-l=\"Status\"><span class=\"w a\">Degraded</span></td><td data-l=\"Gates readiness\">reported only</td>", page, StringComparison.Ordinal);
        Assert.Contains("<td data-l=\"At (UTC)\">2026-01-01 00:00:01</td><td data-l=\"From\"><span class=\"w g\">OK</span></td><td data-l=\"To\"><span class=\"w r\">Unhealthy</span></td><td data-l=\"Reason\">orders-db: failing on purpose</td>", page, StringComparison.Ordinal);

        // The timelines say in words, to the second, what their colours show by the minute.
        Assert.Contains("<path class=\"r\" d=\"M590 5h10\"/></svg><p class=\"runs\">00:00:00&ndash;00:00:01 OK &middot; 00:00:01&ndash;now Unhealthy</p>", page, StringComparison.Ordinal);
        Assert.Contains("<p class=\"runs\">00:00:00&ndash;00:00:01 Healthy &middot; 00:00:01&ndash;now Unhealthy</p>", page, StringComparison.Ordinal);
        Assert.Contains("<path class=\"a\" d=\"M590 5h10\"/></svg><p class=\"runs\">00:00:00&ndash;now Degraded</p>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_a_probe_reports_is_shown_as_text_never_as_markup()
    {
        var time = new FakeTimeProvider(Start);
        await using var factory = Factory(time).WithCheck("<img src=x onerror=alert(1)>", new ControllableHealthCheck());
        await factory.WaitForResultAsync("<img src=x onerror=alert(1)>", time);
        var page = await (await PageAsync(factory)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thirty_probes_flapping_every_round_across_the_window_keep_the_page_under_100_KB()
    {
        var time = new FakeTimeProvider(Start);
        var names = Enumerable.Range(1, 30).Select(i => $"dependency-number-{i:00}").ToArray();
        var checks = names.Select(_ => new ControllableHealthCheck()).ToArray();
        var factory = Factory(time).With("Health:History:Window", "00:01:00");
        for (var i = 0; i < names.Length; i++)
        {
            factory = factory.WithCheck(names[i], checks[i]);
        }

        await using (factory)
        {
            foreach (var name in names)
            {
                await factory.WaitForResultAsync(name, time);
            }

            for (var round = 1; round <= 65; round++)
            {
                foreach (var check in checks)
                {
                    check.Mode = round % 2 == 1 ? ProbeMode.Unhealthy : ProbeMode.Healthy;
                }

                time.Advance(TimeSpan.FromSeconds(1));
                foreach (var name in names)
                {
                    await factory.WaitForResultAsync(name, time);
                }
            }

            var page = await (await PageAsync(factory)).Content.ReadAsByteArrayAsync(Ct);
            var text = Encoding.UTF8.GetString(page);
            Assert.True(page.Length <= 100 * 1024, $"{page.Length} bytes");

            // Every bucket of every timeline alternated: the page drew them all, and listed the latest in words.
            Assert.Equal(31, Regex.Count(text, "<svg "));
            Assert.True(Regex.Count(text, "<path class=\"r\"") == 31, "one red path per timeline");
            Assert.True(Regex.Count(text, @"M\d+(\.\d)? 5h") >= 31 * 50, "the flapping is drawn run by run");
            Assert.Contains("earlier transitions are in /health/history", text, StringComparison.Ordinal);
        }
    }
}
