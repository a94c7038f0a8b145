using System.Text.RegularExpressions;

namespace HealthService.Probes.Http;

/// <summary>
/// Request headers from configuration (HTTP probes, alert webhooks): checked at start-up against what the HTTP stack
/// would refuse, and sent where the stack expects them: content headers such as <c>Content-Type</c> on the request's
/// content (an empty body when there is none), every other header on the request.
/// </summary>
internal static partial class ConfiguredHeaders
{
    /// <summary>
    /// Why <paramref name="name"/> with <paramref name="value"/> cannot be sent, as the end of a sentence that starts
    /// with the configuration key; null when it can. Never repeats the value: it is often a secret.
    /// </summary>
    public static string? Problem(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!HeaderName().IsMatch(name))
        {
            return "must be a valid header name";
        }

        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
        {
            // The stack sends the body's length; a different one fails every request.
            return "cannot be set: the HTTP client sets it from the body";
        }

        // SocketsHttpHandler refuses non-ASCII values when it sends; control characters other than tab are not allowed
        // in a field value (RFC 9110), and line breaks would split the header.
        var sendable = value.All(c => c == '\t' || c is >= ' ' and <= '~');
        if (sendable)
        {
            // The typed headers (Content-Type, Date, Accept, ...) parse their value; a value they reject fails here as
            // it would on every request. The exception's message repeats the value, so it is not kept.
            using var request = new HttpRequestMessage { Content = new ByteArrayContent([]) };
            try
            {
                if (IsContentHeader(name))
                {
                    request.Content.Headers.Add(name, value);
                }
                else
                {
                    request.Headers.Add(name, value);
                }
            }
            catch (FormatException)
            {
                sendable = false;
            }
        }

        return sendable
            ? null
            : "must have a value that can be sent as that header: printable ASCII on one line, in that header's format";
    }

    /// <summary>
    /// Adds the headers to <paramref name="request"/>, each replacing any value already set (a webhook's own
    /// <c>Content-Type</c>). Values are sent as configured; <see cref="Problem"/> has checked them at start-up.
    /// </summary>
    public static void Apply(HttpRequestMessage request, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var (name, value) in headers)
        {
            if (IsContentHeader(name))
            {
                // Content headers only travel with content: a method sent without a body gets an empty one.
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    /// <summary>Whether the stack keeps this header on the content: request headers refuse exactly those.</summary>
    private static bool IsContentHeader(string name)
    {
        using var request = new HttpRequestMessage();
        return !request.Headers.TryAddWithoutValidation(name, "");
    }

    // RFC 9110 token characters.
    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();
}
