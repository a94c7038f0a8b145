using System.Globalization;

namespace HealthService.Probes.Http;

/// <summary>
/// The status codes an HTTP dependency may answer with, written as codes and ranges: <c>200-299</c>,
/// <c>200,204,301-302</c>.
/// </summary>
internal sealed class ExpectedStatusCodes
{
    private readonly (int Low, int High)[] _ranges;

    private ExpectedStatusCodes((int Low, int High)[] ranges, string text)
    {
        _ranges = ranges;
        Text = text;
    }

    public string Text { get; }

    public bool Contains(int status)
    {
        foreach (var (low, high) in _ranges)
        {
            if (status >= low && status <= high)
            {
                return true;
            }
        }

        return false;
    }

    public static bool TryParse(string? text, out ExpectedStatusCodes codes)
    {
        codes = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var ranges = new List<(int, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', StringSplitOptions.TrimEntries);
            if (bounds.Length is not (1 or 2) || !TryParseCode(bounds[0], out var low))
            {
                return false;
            }

            var high = low;
            if (bounds.Length == 2 && (!TryParseCode(bounds[1], out high) || high < low))
            {
                return false;
            }

            ranges.Add((low, high));
        }

        codes = new ExpectedStatusCodes([.. ranges], text.Trim());
        return true;
    }

    private static bool TryParseCode(string text, out int code) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out code) && code is >= 100 and <= 599;

    public override string ToString() => Text;
}
