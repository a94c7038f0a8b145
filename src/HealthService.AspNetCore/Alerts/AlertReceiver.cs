using System.Net.Http.Headers;
using System.Threading.Channels;
using HealthService.Alerts.Formats;
using HealthService.Probes;
using HealthService.Probes.Http;

namespace HealthService.Alerts;

/// <summary>An event as queued for one receiver: its body in the receiver's format, and what the logs may say of it.</summary>
internal sealed record AlertMessage(byte[] Body, string Status, string PreviousStatus);

/// <summary>
/// One webhook: a bounded queue and the loop that empties it, one POST at a time, each under its own deadline, with
/// retries and exponential backoff. Every receiver has its own queue and loop, so one that is down or slow never
/// delays another, and none of them ever delays <c>/health</c> or the evaluation loop.
/// </summary>
/// <remarks>
/// Logs name the receiver, never its URL (whose path is often the secret) nor its header values.
/// </remarks>
internal sealed class AlertReceiver
{
    /// <summary>No single wait between attempts is longer, whatever the backoff or a <c>Retry-After</c> asks for.</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    private readonly Uri _url;
    private readonly IAlertFormat _format;
    private readonly IReadOnlyDictionary<string, string> _headers;
    private readonly AlertOptions _options;
    private readonly IHttpClientFactory _clients;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<AlertMessage> _queue;
    private int _overflowing;
    private int _givenUpSinceLastDelivery;

    public AlertReceiver(string name, AlertWebhookOptions webhook, AlertOptions options, IHttpClientFactory clients, TimeProvider time, ILogger<AlertReceiver> logger)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        _url = AlertFormats.UrlOf(webhook);
        _format = AlertFormats.For(webhook);
        _headers = new Dictionary<string, string>(webhook.Headers, StringComparer.OrdinalIgnoreCase);
        _options = options;
        _clients = clients;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<AlertMessage>(
            new BoundedChannelOptions(options.QueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                AllowSynchronousContinuations = false,
            },
            OnDropped);
    }

    /// <summary>The configuration name, <c>Health:Alerts:Webhooks:&lt;name&gt;</c>: what logs call this receiver.</summary>
    public string Name { get; }

    /// <summary>The named <see cref="HttpClient"/> this receiver posts with.</summary>
    public static string ClientName(string receiver) => "health-alerts:" + receiver;

    /// <summary>Renders the event in this receiver's format and queues it; see <see cref="Enqueue(AlertMessage)"/>.</summary>
    public void Enqueue(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        Enqueue(new AlertMessage(_format.Render(alert), alert.Status, alert.PreviousStatus));
    }

    /// <summary>Queues an event; never blocks. When the queue is full, the oldest waiting event makes room.</summary>
    public void Enqueue(AlertMessage message) => _queue.Writer.TryWrite(message);

    /// <summary>Delivers queued events, oldest first, until <paramref name="stopping"/>; what is still queued then is dropped.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    try
                    {
                        await DeliverAsync(message, stopping).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // An exception ending this loop would stop the host (BackgroundService); report it, go on.
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
#pragma warning restore CA1031
                    {
                        _logger.AlertDeliveryFailed(Name, message.PreviousStatus, message.Status, 0, ProbeFailure.Describe(ex));
                    }
                }

                Volatile.Write(ref _overflowing, 0); // drained: a later overflow is a new episode, worth a new warning
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping; alerts never hold it up.
        }
    }

    internal async Task DeliverAsync(AlertMessage message, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await AttemptAsync(message, stopping).ConfigureAwait(false);
            if (outcome.Delivered)
            {
                _logger.AlertDelivered(Name, message.PreviousStatus, message.Status, attempt);
                var givenUp = Interlocked.Exchange(ref _givenUpSinceLastDelivery, 0);
                if (givenUp > 0)
                {
                    _logger.AlertDeliveryRecovered(Name, givenUp);
                }

                return;
            }

            if (!outcome.Retry || attempt >= _options.MaxAttempts)
            {
                Interlocked.Increment(ref _givenUpSinceLastDelivery);
                _logger.AlertDeliveryFailed(Name, message.PreviousStatus, message.Status, attempt, outcome.Failure);
                return;
            }

            var delay = Backoff(_options.RetryDelay, attempt, outcome.RetryAfter);
            _logger.AlertAttemptFailed(Name, attempt, _options.MaxAttempts, outcome.Failure, delay);
            await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The wait after failed attempt <paramref name="attempt"/>: <paramref name="first"/> doubled per attempt, or the
    /// receiver's <c>Retry-After</c> if longer, never more than <see cref="MaxBackoff"/>.
    /// </summary>
    internal static TimeSpan Backoff(TimeSpan first, int attempt, TimeSpan? retryAfter)
    {
        var doubled = first.Ticks * Math.Pow(2, attempt - 1);
        var delay = doubled >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)doubled);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < MaxBackoff ? asked : MaxBackoff;
        }

        return delay;
    }

    private async Task<Outcome> AttemptAsync(AlertMessage message, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(message.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json", "utf-8");
        ConfiguredHeaders.Apply(request, _headers); // a configured Content-Type wins

        try
        {
            // Only the status matters: the body is not read, so a huge or endless answer costs nothing.
            using var response = await _clients.CreateClient(ClientName(Name))
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and <= 299)
            {
                return new Outcome(Delivered: true, Retry: false, "", null);
            }

            var retry = status is 408 or 429 or >= 500;
            return new Outcome(Delivered: false, retry, $"status {status}", retry ? RetryAfter(response) : null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new Outcome(Delivered: false, Retry: true, $"timed out after {_options.Timeout.TotalSeconds:0.###} s", null);
        }
#pragma warning disable CA1031 // Any failure to deliver is retried or reported; it must never stop the loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new Outcome(Delivered: false, Retry: true, ProbeFailure.Describe(ex), null);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow(),
        _ => null,
    };

    private void OnDropped(AlertMessage dropped)
    {
        if (Interlocked.Exchange(ref _overflowing, 1) == 0)
        {
            _logger.AlertQueueFull(Name, _options.QueueCapacity);
        }
    }

    private readonly record struct Outcome(bool Delivered, bool Retry, string Failure, TimeSpan? RetryAfter);
}
