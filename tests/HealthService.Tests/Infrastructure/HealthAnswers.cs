using System.Diagnostics;
using System.Net;

namespace HealthService.Tests.Infrastructure;

/// <summary>One <c>/health</c> answer: when it was asked (from the start of the poll), how long it took, its status.</summary>
public sealed record HealthAnswer(TimeSpan AskedAt, TimeSpan Took, HttpStatusCode Status);

/// <summary>
/// <c>/health</c> asked one request at a time, 10 ms apart, for a whole window, every answer timed. A test that
/// promises "no answer waits for the probe" reads it over several rounds: a service that waited would make one answer
/// per hung round about as slow as the probe's deadline, while a loaded machine stalls one answer now and then.
/// </summary>
public static class HealthAnswers
{
    public static async Task<IReadOnlyList<HealthAnswer>> PollAsync(HttpClient client, string health, TimeSpan window)
    {
        var answers = new List<HealthAnswer>();
        var poll = Stopwatch.StartNew();
        while (poll.Elapsed < window)
        {
            var askedAt = poll.Elapsed;
            using var response = await client.GetAsync(health, TestContext.Current.CancellationToken);
            answers.Add(new HealthAnswer(askedAt, poll.Elapsed - askedAt, response.StatusCode));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return answers;
    }

    /// <summary>The answer time below which <paramref name="fraction"/> of the answers fall.</summary>
    public static TimeSpan Percentile(this IReadOnlyList<HealthAnswer> answers, double fraction)
    {
        var took = answers.Select(a => a.Took).Order().ToList();
        return took[Math.Min(took.Count - 1, (int)(took.Count * fraction))];
    }

    /// <summary>The count, median, 95th percentile and the five slowest answers, for a failure message.</summary>
    public static string Summary(this IReadOnlyList<HealthAnswer> answers)
    {
        var slowest = answers.OrderByDescending(a => a.Took).Take(5)
            .Select(a => FormattableString.Invariant($"{a.Took.TotalMilliseconds:0} ms at {a.AskedAt.TotalSeconds:0.00} s ({(int)a.Status})"));
        return FormattableString.Invariant(
            $"{answers.Count} answers, median {answers.Percentile(0.5).TotalMilliseconds:0} ms, p95 {answers.Percentile(0.95).TotalMilliseconds:0} ms, slowest: {string.Join(", ", slowest)}");
    }
}
