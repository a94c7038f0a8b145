namespace OrdersService;

/// <summary>
/// A scoped service the health check depends on, as a real queue client would be. It reports the queue down while
/// the file named by <c>ORDERS_QUEUE_DOWN_FILE</c> exists, so a test can break it from outside.
/// </summary>
public sealed class OrdersQueue
{
    private static readonly string? DownFile = Environment.GetEnvironmentVariable("ORDERS_QUEUE_DOWN_FILE");

    public Task<bool> IsReachableAsync(CancellationToken cancellationToken) =>
        Task.FromResult(DownFile is null || !File.Exists(DownFile));
}
