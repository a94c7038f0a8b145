using System.Threading.Channels;

namespace HealthService.Telemetry.CloudWatch;

/// <summary>
/// A bounded queue in front of stdout, written by a thread of its own. Enqueueing never waits: when stdout stalls (a
/// pipe nobody reads, the awslogs driver in blocking mode while CloudWatch Logs throttles), only this thread waits,
/// the queue fills, and then each new document pushes out the oldest, which is counted
/// (<c>healthservice.emf.dropped</c>). Once the queue has drained again, one warning says how many were lost.
/// </summary>
/// <remarks>
/// The oldest are dropped rather than the newest, unlike the log queue: a metric's latest value is the one an alarm
/// needs once the output flows again. A dedicated thread rather than the thread pool, since a write may block for as
/// long as stdout is stalled.
/// </remarks>
internal sealed class EmfWriter : IHostedService, IDisposable
{
    /// <summary>How long the service waits at exit for queued documents, so a stalled stdout cannot hold it up.</summary>
    public static readonly TimeSpan FlushOnExit = TimeSpan.FromSeconds(2);

    private readonly Channel<string> _queue;
    private readonly TextWriter _output;
    private readonly EmfSettings _settings;
    private readonly ILogger<EmfWriter> _logger;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _dropped;
    private long _droppedReported;
    private bool _failing;
    private Thread? _thread;

    public EmfWriter(EmfOutput output, EmfSettings settings, HealthMetrics metrics, ILogger<EmfWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(metrics);
        _output = output.Writer;
        _settings = settings;
        _logger = logger;
        _queue = Channel.CreateBounded<string>(
            new BoundedChannelOptions(settings.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        metrics.Meter.CreateObservableCounter("healthservice.emf.dropped", () => Dropped, unit: "{document}",
            description: "CloudWatch EMF documents dropped because stdout stalled and their queue was full.");
    }

    /// <summary>Documents dropped since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues one document (without its line end); never waits.</summary>
    public void Enqueue(string document) => _queue.Writer.TryWrite(document);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _logger.CloudWatchMetricsStarted(_settings.Namespace, _settings.ServiceName, _settings.QueueCapacity);
        _thread = new Thread(Run) { IsBackground = true, Name = "CloudWatch EMF writer" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_thread is null)
        {
            return;
        }

        try
        {
            await _finished.Task.WaitAsync(FlushOnExit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Stdout is stalled: what is still queued is given up, and the background thread ends with the process.
        }
    }

    public void Dispose() => _queue.Writer.TryComplete();

    private void Run()
    {
        try
        {
            var reader = _queue.Reader;
            while (WaitToRead(reader))
            {
                while (reader.TryRead(out var document))
                {
                    Write(document);
                }

                ReportDropped();
            }
        }
#pragma warning disable CA1031 // The writer thread must not take the process down; the documents are lost, the service goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.EmfWriterFailed(ex);
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    private static bool WaitToRead(ChannelReader<string> reader)
    {
        var waiting = reader.WaitToReadAsync();
        return waiting.IsCompletedSuccessfully ? waiting.Result : waiting.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>One call with the whole line: the console writer's lock makes it one piece among the log lines.</summary>
    private void Write(string document)
    {
        try
        {
            _output.Write(document + "\n");
            _output.Flush();
            _failing = false;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Stdout closed: the document is lost like a dropped one. Reported once per failure, not per document.
            Interlocked.Increment(ref _dropped);
            if (!_failing)
            {
                _failing = true;
                _logger.EmfOutputFailed(ex.GetType().Name);
            }
        }
    }

    /// <summary>Called when the queue has just drained: stdout flows, so a warning now is not lost in the stall.</summary>
    private void ReportDropped()
    {
        var dropped = Dropped;
        if (dropped > _droppedReported && !_failing)
        {
            _logger.EmfDocumentsDropped(dropped - _droppedReported, dropped);
            _droppedReported = dropped;
        }
    }
}
