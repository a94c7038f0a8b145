namespace HealthService.History;

/// <summary>
/// A window of time cut into a fixed number of equal buckets, each showing the worst state within it, with equal
/// neighbours merged: what the status page draws. Fixed, so a page stays small however often a state flapped.
/// </summary>
internal static class Timeline
{
    /// <summary>How many buckets a window is cut into: a minute each over the default hour.</summary>
    public const int Buckets = 60;

    /// <summary>A stretch of time in one state.</summary>
    /// <param name="Rank">How bad the state is: the worse wins a bucket; 0 is no data.</param>
    /// <param name="Label">The state's word, shown as text beside its colour.</param>
    internal readonly record struct Span(DateTimeOffset From, DateTimeOffset To, int Rank, string Label);

    /// <summary>
    /// The runs of equal buckets between <paramref name="start"/> and <paramref name="end"/>, from
    /// <paramref name="spans"/> in time order; buckets with no span in them are left out (no data).
    /// </summary>
    public static IReadOnlyList<Span> Bucketed(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<Span> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var runs = new List<Span>();
        if (end <= start)
        {
            return runs;
        }

        var width = (end - start) / Buckets;
        var first = 0; // the first span that may still overlap a bucket
        for (var i = 0; i < Buckets; i++)
        {
            var from = start + (width * i);
            var to = i == Buckets - 1 ? end : start + (width * (i + 1));
            while (first < spans.Count && spans[first].To <= from)
            {
                first++;
            }

            Span? worst = null;
            for (var j = first; j < spans.Count && spans[j].From < to; j++)
            {
                if (spans[j].To > from && (worst is null || spans[j].Rank > worst.Value.Rank))
                {
                    worst = spans[j];
                }
            }

            if (worst is not { } state)
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1].To == from && runs[^1].Label == state.Label)
            {
                runs[^1] = runs[^1] with { To = to };
            }
            else
            {
                runs.Add(new Span(from, to, state.Rank, state.Label));
            }
        }

        return runs;
    }

    /// <summary>
    /// <paramref name="spans"/> in time order with neighbours in the same state joined, clipped to start at
    /// <paramref name="start"/>: the exact runs the text beside a picture lists.
    /// </summary>
    public static IReadOnlyList<Span> Merged(DateTimeOffset start, IReadOnlyList<Span> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var runs = new List<Span>();
        foreach (var span in spans)
        {
            if (span.To <= start)
            {
                continue;
            }

            var clipped = span.From < start ? span with { From = start } : span;
            if (runs.Count > 0 && runs[^1].Label == clipped.Label && runs[^1].To >= clipped.From)
            {
                runs[^1] = runs[^1] with { To = clipped.To };
            }
            else
            {
                runs.Add(clipped);
            }
        }

        return runs;
    }
}
