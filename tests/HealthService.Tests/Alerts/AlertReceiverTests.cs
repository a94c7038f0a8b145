using System.Text;
using HealthService.Alerts;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Alerts;

/// <summary>One receiver's queue and delivery loop, against a real HTTP receiver on loopback.</summary>
public sealed class AlertReceiverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ListLogger _logger = new();

    private AlertReceiver Receiver(ServiceProvider services, Uri url, AlertOptions options) => new(
        "chat", new AlertWebhookOptions { Url = url.ToString() }, options, services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System, _logger);

    private static AlertMessage Message(int n) => new(Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""), "NotReady", "Ready");

    [Fact]
    public async Task When_the_queue_is_full_the_oldest_events_make_room_with_one_warning_per_overflow()
    {
        await using var stub = StubHttpServer.Start();
        await using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var receiver = Receiver(services, stub.Url("/hook"), new AlertOptions { QueueCapacity = 2 });

        for (var n = 1; n <= 5; n++)
        {
            receiver.Enqueue(Message(n));
        }

        Assert.Single(_logger.Named("AlertQueueFull"));
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = receiver.RunAsync(stopping.Token);
        await stub.WaitForHitsAsync(2, TimeSpan.FromSeconds(5), Ct);
        await Task.Delay(200, Ct);
        Assert.Equal(["""{"n":4}""", """{"n":5}"""], stub.Requests.Select(r => r.Body));

        await stopping.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5), Ct);

        // The queue drained, so the next overflow is a new episode and is reported again.
        for (var n = 6; n <= 8; n++)
        {
            receiver.Enqueue(Message(n));
        }

        Assert.Equal(2, _logger.Named("AlertQueueFull").Count);
    }

    [Fact]
    public async Task A_receiver_that_delivers_again_after_failing_is_reported_as_recovered()
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(503));
        await using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var receiver = Receiver(services, stub.Url("/hook"), new AlertOptions { MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(50) });

        await receiver.DeliverAsync(Message(1), Ct);
        await receiver.DeliverAsync(Message(2), Ct);
        stub.Behavior = StubBehavior.Status(204);
        await receiver.DeliverAsync(Message(3), Ct);
        await receiver.DeliverAsync(Message(4), Ct);

        Assert.Equal(6, stub.Hits);
        Assert.Equal(2, _logger.Named("AlertDeliveryFailed").Count);
        var recovered = Assert.Single(_logger.Named("AlertDeliveryRecovered"));
        Assert.Equal(LogLevel.Information, recovered.Level);
        Assert.Contains("after 2 given up", recovered.Message, StringComparison.Ordinal);
        Assert.Equal(2, _logger.Named("AlertDelivered").Count);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(502)]
    public async Task A_timeout_a_rate_limit_or_a_server_error_is_retried_with_backoff(int status)
    {
        await using var stub = StubHttpServer.Start(StubBehavior.Status(status));
        await using var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var receiver = Receiver(services, stub.Url("/hook"), new AlertOptions { MaxAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(100) });

        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        await receiver.DeliverAsync(Message(1), Ct);

        Assert.Equal(3, stub.Hits);
        // 100 ms, then 200 ms. Timers may fire a millisecond or two early, so the floor keeps a small margin.
        Assert.InRange(elapsed.Elapsed, TimeSpan.FromMilliseconds(280), TimeSpan.FromSeconds(3));
        Assert.Contains($"status {status}", Assert.Single(_logger.Named("AlertDeliveryFailed")).Message, StringComparison.Ordinal);
    }

    private sealed record Entry(LogLevel Level, string EventName, string Message);

    /// <summary>Keeps what the receiver logs.</summary>
    private sealed class ListLogger : ILogger<AlertReceiver>
    {
        private readonly List<Entry> _entries = [];

        public IReadOnlyList<Entry> Named(string eventName)
        {
            lock (_entries)
            {
                return [.. _entries.Where(e => e.EventName == eventName)];
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries)
            {
                _entries.Add(new Entry(logLevel, eventId.Name ?? "", formatter(state, exception)));
            }
        }
    }
}
