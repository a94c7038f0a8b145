using System.Net;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthService.Tests.Library;

/// <summary>
/// The library inside an application that already has the usual production middleware: the load balancer's
/// <c>/health</c> and <c>/health/live</c> get their answer whatever that middleware would do to them, and the
/// application's own routes keep every rule.
/// </summary>
public sealed class GoodGuestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What the application already has, each alone, and what it does to its own <c>/orders</c>.</summary>
    public static TheoryData<string, int> Setups => new()
    {
        { "authorization fallback policy", StatusCodes.Status401Unauthorized },
        { "AllowedHosts", StatusCodes.Status400BadRequest },
        { "HTTPS redirection", StatusCodes.Status307TemporaryRedirect },
        { "global rate limiter", StatusCodes.Status429TooManyRequests },
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task An_ALB_shaped_health_check_gets_200_OK_while_the_applications_own_route_keeps_its_rule(string setup, int ordersStatus)
    {
        await using var app = await StartAsync(setup);
        var client = app.GetTestClient();

        // As an ALB target group sends it: the target's private address as Host, its own user agent, over and over.
        for (var i = 0; i < 16; i++)
        {
            foreach (var path in (string[])["/health", "/health/live"])
            {
                using var response = await client.SendAsync(AlbRequest(HttpMethod.Get, path), Ct);
                Assert.Equal((HttpStatusCode.OK, "OK"), (response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
            }
        }

        using (var head = await client.SendAsync(AlbRequest(HttpMethod.Head, "/health"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        using (var post = await client.SendAsync(AlbRequest(HttpMethod.Post, "/health"), Ct))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
        }

        // The application's own route: its rule still applies (for the rate limiter, from the 4th request on).
        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var orders = await client.SendAsync(AlbRequest(HttpMethod.Get, "/orders"), Ct);
            statuses.Add((int)orders.StatusCode);
        }

        Assert.Equal(setup == "global rate limiter" ? [200, 200, 200, 429, 429] : Enumerable.Repeat(ordersStatus, 5), statuses);
    }

    [Fact]
    public async Task The_details_view_stays_under_the_applications_own_policies_when_the_application_asks()
    {
        await using var app = await StartAsync("authorization fallback policy", details: true);
        var client = app.GetTestClient();

        using var request = AlbRequest(HttpMethod.Get, "/health/details");
        request.Headers.Add("X-Health-Key", DetailsKey);
        using var response = await client.SendAsync(request, Ct);

        // The key is right, but the application's fallback policy wants a signed-in user first.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private const string DetailsKey = "k3y-for-the-detailed-view-0123456789";

    private static HttpRequestMessage AlbRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = "10.0.1.23:8080";
        request.Headers.UserAgent.ParseAdd("ELB-HealthChecker/2.0");
        return request;
    }

    private static async Task<WebApplication> StartAsync(string setup, bool details = false)
    {
        var builder = Infrastructure.LibraryApp.Builder();
        builder.Configuration["AllowedHosts"] = setup == "AllowedHosts" ? "orders.example.com" : "*";
        if (details)
        {
            builder.Configuration["Health:Details:Enabled"] = "true";
            builder.Configuration["Health:Details:ApiKey"] = DetailsKey;
        }

        switch (setup)
        {
            case "authorization fallback policy":
                builder.Services.AddAuthentication(NoUserHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, NoUserHandler>(NoUserHandler.SchemeName, null);
                builder.Services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
                break;
            case "HTTPS redirection":
                builder.Services.AddHttpsRedirection(options => options.HttpsPort = 443);
                break;
            case "global rate limiter":
                builder.Services.AddRateLimiter(options =>
                {
                    options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                    options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetFixedWindowLimiter(
                        "everyone", _ => new FixedWindowRateLimiterOptions { PermitLimit = 3, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
                });
                break;
        }

        builder.AddHealthService();
        var app = builder.Build();
        switch (setup)
        {
            case "authorization fallback policy":
                app.UseAuthentication();
                app.UseAuthorization();
                break;
            case "HTTPS redirection":
                app.UseHttpsRedirection();
                break;
            case "global rate limiter":
                app.UseRateLimiter();
                break;
        }

        app.MapGet("/orders", () => "orders");
        app.MapHealthService();
        await app.StartAsync(Ct);

        // Ready before the first request, so every answer below is the steady one.
        var limit = System.Diagnostics.Stopwatch.StartNew();
        var readiness = app.Services.GetRequiredService<HealthService.Pipeline.HealthSnapshotStore>();
        while (readiness.Current?.IsReady != true)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(10), "The pipeline did not become ready within 10 s.");
            await Task.Delay(10, Ct);
        }

        return app;
    }

    /// <summary>An authentication scheme that never signs anyone in: every challenge is a 401.</summary>
    private sealed class NoUserHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "NoUser";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
