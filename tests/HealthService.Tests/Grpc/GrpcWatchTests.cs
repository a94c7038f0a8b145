using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Health.V1;
using HealthService.Grpc;
using HealthService.Lifecycle;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace HealthService.Tests.Grpc;

/// <summary>
/// <c>Watch</c> on a fake clock: every cause of a readiness change reaches the stream, including those that come with
/// no new snapshot (a snapshot going stale while the loop is stuck, a maintenance window running out, a drain).
/// </summary>
public sealed class GrpcWatchTests : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));
    private readonly HealthSnapshotStore _store = new();
    private readonly DrainState _drain = new();
    private readonly MaintenanceState _maintenance;
    private readonly ReadinessDecision _decision;
    private readonly HealthReadiness _changes;
    private readonly Lifetime _lifetime = new();
    private readonly WatchStreams _streams = new(limit: 10);
    private readonly GrpcHealthService _service;
    private readonly CancellationTokenSource _caller = new();
    private readonly StreamWriter _stream = new();

    public GrpcWatchTests()
    {
        _maintenance = new MaintenanceState(_time);
        _decision = new ReadinessDecision(_store, _drain, _maintenance, new Lazy<TimeSpan>(TimeSpan.FromSeconds(5)), _time);
        _changes = new HealthReadiness(_store, _decision, _drain, _maintenance, _time);
        _service = new GrpcHealthService(_changes, _lifetime, _streams);
    }

    public void Dispose()
    {
        _caller.Cancel();
        _caller.Dispose();
        _lifetime.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task WatchAsync(string service = "") =>
        _service.Watch(new HealthCheckRequest { Service = service }, _stream, new CallContext(_caller.Token));

    /// <summary>Publishes a snapshot as the loop does: stored, then the listeners told.</summary>
    private void Publish(bool ready)
    {
        var entries = new Dictionary<string, HealthReportEntry>
        {
            ["db"] = new(ready ? HealthStatus.Healthy : HealthStatus.Unhealthy, null, TimeSpan.Zero, null, null, [HealthTags.Critical]),
        };
        var now = _time.GetTimestamp();
        var snapshot = new HealthSnapshot(new HealthReport(entries, TimeSpan.Zero), entries.ToDictionary(e => e.Key, _ => _time.GetUtcNow()),
            ready, AwaitsCritical: false, _time.GetUtcNow(), now + (long)(MaxAge.TotalSeconds * _time.TimestampFrequency), now, entries);
        var previous = _store.Current;
        _store.Publish(snapshot);
        ((IHealthSnapshotListener)_changes).OnPublished(previous, snapshot, _decision.Of(snapshot));
    }

    [Fact]
    public async Task Watch_sends_the_status_at_once_then_each_change_of_it_and_nothing_for_a_change_that_keeps_it()
    {
        var watch = WatchAsync();
        Assert.Equal(ServingStatus.NotServing, await _stream.NextAsync()); // starting

        Publish(ready: false); // Starting -> Unhealthy: /health's body changes, the serving status does not
        Assert.False(await _stream.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
        Publish(ready: true);
        Assert.Equal(ServingStatus.Serving, await _stream.NextAsync());
        Publish(ready: true); // a heartbeat: no change
        Publish(ready: false);
        Assert.Equal(ServingStatus.NotServing, await _stream.NextAsync());

        _caller.Cancel();
        await watch.WaitAsync(TimeSpan.FromSeconds(10), Ct); // ends without an error when the caller goes
        Assert.Empty(_stream.Rest());
        Assert.Equal(0, _streams.Open);
    }

    [Fact]
    public async Task Watchers_are_woken_only_when_the_serving_status_changes_not_by_rounds_or_by_changes_that_keep_it()
    {
        var watches = new[] { WatchAsync(), WatchAsync() };
        Assert.Equal([ServingStatus.NotServing, ServingStatus.NotServing], [await _stream.NextAsync(), await _stream.NextAsync()]); // starting

        // NOT_SERVING throughout: Starting -> Unhealthy, fifty rounds a second apart (each fresh, none goes stale),
        // maintenance on (Unhealthy -> Maintenance) and off again.
        for (var i = 0; i < 50; i++)
        {
            Publish(ready: false);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        _maintenance.TurnOn("test", TimeSpan.FromMinutes(5), "local");
        Publish(ready: false);
        _maintenance.TurnOff();
        await Task.Delay(200, Ct); // room for any wake-up already on its way
        Assert.Equal(0, _changes.WakeUps);
        Assert.Empty(_stream.Rest());

        // A change wakes each watcher once, and each sends it once; the rounds after it that keep it wake nobody.
        Publish(ready: true);
        Assert.Equal([ServingStatus.Serving, ServingStatus.Serving], [await _stream.NextAsync(), await _stream.NextAsync()]);
        for (var i = 0; i < 50; i++)
        {
            Publish(ready: true);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await Task.Delay(200, Ct);
        Assert.Equal(2, _changes.WakeUps);
        Assert.Empty(_stream.Rest());

        _caller.Cancel();
        await Task.WhenAll(watches).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(0, _streams.Open);
    }

    [Fact]
    public async Task Watch_hears_a_snapshot_go_stale_when_the_loop_publishes_nothing_more()
    {
        Publish(ready: true);
        _ = WatchAsync();
        Assert.Equal(ServingStatus.Serving, await _stream.NextAsync());

        var elapsed = await AdvanceUntilMessageAsync();

        Assert.Equal(ServingStatus.NotServing, _stream.Rest().Single());
        Assert.Equal(Readiness.Stale, _decision.Current);
        Assert.InRange(elapsed, MaxAge, MaxAge + TimeSpan.FromSeconds(1)); // not before it is stale, and not much after
    }

    [Fact]
    public async Task Watch_hears_maintenance_at_once_and_its_end_when_the_window_runs_out()
    {
        Publish(ready: true);
        _ = WatchAsync();
        Assert.Equal(ServingStatus.Serving, await _stream.NextAsync());

        _maintenance.TurnOn("test", TimeSpan.FromSeconds(5), "local");
        Assert.Equal(ServingStatus.NotServing, await _stream.NextAsync());

        // Nobody clears the window: it stops counting at its end, and the stream hears that by the clock. A fresh
        // snapshot keeps the result from going stale meanwhile.
        var elapsed = TimeSpan.Zero;
        for (var i = 0; i < 20 && !await _stream.AnyWithinAsync(TimeSpan.FromMilliseconds(100)); i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            elapsed += TimeSpan.FromMilliseconds(500);
        }

        Assert.Equal(ServingStatus.Serving, await _stream.NextAsync());
        Assert.InRange(elapsed, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task Watch_hears_a_drain_at_once_and_ends_cleanly_when_the_service_stops()
    {
        Publish(ready: true);
        var watch = WatchAsync();
        var liveness = WatchAsync(GrpcHealthService.Liveness);
        Assert.Equal(ServingStatus.Serving, await _stream.NextAsync());
        Assert.Equal(ServingStatus.Serving, await _stream.NextAsync());

        _drain.Begin();
        Assert.Equal(ServingStatus.NotServing, await _stream.NextAsync()); // readiness only: liveness still serves
        Assert.Equal(2, _streams.Open);

        _lifetime.Stop();
        await Task.WhenAll(watch, liveness).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Empty(_stream.Rest());
        Assert.Equal(0, _streams.Open); // liveness too: counted while open, and ended by the stop
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_fails_with_NOT_FOUND_at_once_sends_nothing_and_frees_its_slot()
    {
        Publish(ready: true);

        var refused = await Assert.ThrowsAsync<RpcException>(() => WatchAsync("orders.v1.Orders").WaitAsync(TimeSpan.FromSeconds(5), Ct));

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Empty(_stream.Rest());
        Assert.Equal(0, _streams.Open);
    }

    /// <summary>Advances the fake clock in steps until the stream has a message; returns how far it went.</summary>
    private async Task<TimeSpan> AdvanceUntilMessageAsync()
    {
        var step = TimeSpan.FromMilliseconds(500);
        var elapsed = TimeSpan.Zero;
        for (var i = 0; i < 60 && !await _stream.AnyWithinAsync(TimeSpan.FromMilliseconds(100)); i++)
        {
            _time.Advance(step);
            elapsed += step;
        }

        return elapsed;
    }

    private sealed class StreamWriter : IServerStreamWriter<HealthCheckResponse>
    {
        private readonly Channel<ServingStatus> _messages = Channel.CreateUnbounded<ServingStatus>();

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(HealthCheckResponse message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(HealthCheckResponse message, CancellationToken cancellationToken)
        {
            _messages.Writer.TryWrite(message.Status);
            return Task.CompletedTask;
        }

        public async Task<ServingStatus> NextAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _messages.Reader.ReadAsync(limit.Token);
        }

        /// <summary>Whether a message arrives within <paramref name="wait"/> (left in the stream).</summary>
        public async Task<bool> AnyWithinAsync(TimeSpan wait)
        {
            var limit = Stopwatch.StartNew();
            while (limit.Elapsed < wait)
            {
                if (_messages.Reader.Count > 0)
                {
                    return true;
                }

                await Task.Delay(10);
            }

            return _messages.Reader.Count > 0;
        }

        public List<ServingStatus> Rest()
        {
            var rest = new List<ServingStatus>();
            while (_messages.Reader.TryRead(out var status))
            {
                rest.Add(status);
            }

            return rest;
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();

        public void Stop() => _stopping.Cancel();

        public void Dispose() => _stopping.Dispose();
    }

    private sealed class CallContext(CancellationToken cancellationToken) : ServerCallContext
    {
        protected override string MethodCore => "/grpc.health.v1.Health/Watch";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => cancellationToken;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
