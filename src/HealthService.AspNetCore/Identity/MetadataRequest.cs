using System.Net;
using HealthService.Probes;

namespace HealthService.Identity;

/// <summary>The answer to one metadata request: its body, or why there is none.</summary>
internal readonly record struct MetadataAnswer(string? Body, string? Failure)
{
    public static MetadataAnswer Failed(string failure) => new(null, failure);
}

/// <summary>
/// One request to a metadata service under the discovery's deadlines. Failures become short categories
/// (<c>timed out after 1 s</c>, <c>status 401</c>, <c>connection refused</c>), never exception text:
/// nothing from the answer, a token included, is ever logged.
/// </summary>
internal static class MetadataRequest
{
    /// <summary>Metadata answers are a few hundred bytes; anything much larger is not one.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static async Task<MetadataAnswer> SendAsync(HttpClient client, HttpRequestMessage request, DiscoveryDeadline deadline, CancellationToken stopping)
    {
        var (timeout, timedOut) = deadline.Next();
        using var own = new CancellationTokenSource(timeout, deadline.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, own.Token);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return MetadataAnswer.Failed($"status {(int)response.StatusCode}");
            }

            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[MaxBodyBytes + 1];
                var filled = 0;
                for (int read; filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), linked.Token).ConfigureAwait(false)) > 0;)
                {
                    filled += read;
                }

                return filled > MaxBodyBytes
                    ? MetadataAnswer.Failed("answer too large")
                    : new MetadataAnswer(System.Text.Encoding.UTF8.GetString(buffer, 0, filled), null);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (own.IsCancellationRequested)
        {
            return MetadataAnswer.Failed(timedOut);
        }
#pragma warning disable CA1031 // Any failure means "no identity from here"; its category is reported, discovery goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return MetadataAnswer.Failed(ProbeFailure.Describe(ex));
        }
    }

    /// <summary>A metadata value fit to name an instance: one line of printable ASCII, at most 256 characters.</summary>
    public static bool IsPlainValue(string? value) =>
        value is { Length: > 0 and <= 256 } && value.All(c => c is > ' ' and <= '~');
}
