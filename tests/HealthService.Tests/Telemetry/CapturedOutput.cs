using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace HealthService.Tests.Telemetry;

/// <summary>
/// Stands in for stdout: keeps every write call as it came, so a test sees both what was written and in how many calls.
/// </summary>
internal sealed class CapturedOutput : TextWriter
{
    private readonly ConcurrentQueue<string> _writes = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Every write call's text, in order.</summary>
    public IReadOnlyList<string> Writes => [.. _writes];

    /// <summary>The documents written so far, one per write call that ended a line.</summary>
    public IReadOnlyList<JsonElement> Documents => [.. Writes.Where(w => w.EndsWith('\n')).Select(w => JsonDocument.Parse(w).RootElement.Clone())];

    public override void Write(char value) => _writes.Enqueue(value.ToString());

    public override void Write(string? value)
    {
        if (value is not null)
        {
            _writes.Enqueue(value);
        }
    }

    /// <summary>Waits for a document that <paramref name="match"/> accepts, and returns it.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what, TimeSpan? timeout = null)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (limit.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)))
        {
            foreach (var document in Documents)
            {
                if (match(document))
                {
                    return document;
                }
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"No document {what} was written. Written:\n{string.Concat(Writes)}");
        return default;
    }
}
