using System.Globalization;

namespace HealthService.Lifecycle;

/// <summary>Durations as operators type them: <c>500ms</c>, <c>90s</c>, <c>30m</c>, <c>2h</c>, or <c>hh:mm:ss</c>.</summary>
internal static class Duration
{
    /// <summary>Parses <paramref name="text"/>; false for anything else, negative values included.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="duration">The duration, when the text is one.</param>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number >= 0 && number * scale < TimeSpan.MaxValue.TotalSeconds)
            {
                duration = TimeSpan.FromSeconds(number * scale);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }
}
