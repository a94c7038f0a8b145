using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using HealthService.Configuration;
using HealthService.Probes.Redis;
using MySqlConnector;
using Npgsql;

namespace HealthService.Pipeline;

/// <summary>
/// Masks secrets in what probes report (descriptions, string data values) before it reaches the snapshot, and so
/// logs, the detailed view and webhooks: every secret the service is configured with, and anything shaped like a
/// credential (<c>password=...</c>, <c>token: ...</c>, <c>Authorization: Bearer ...</c>, <c>scheme://user:...@</c>).
/// </summary>
/// <remarks>
/// Built once at start. It runs once per probe and round: text without a secret costs a vectorised search and, when it
/// holds a ':' or '=', a regex scan, and is returned as it is.
/// </remarks>
internal sealed partial class SecretRedactor
{
    public const string Mask = "***";

    // Shorter values would turn ordinary words and numbers into masks.
    private const int MinSecretLength = 4;

    private static readonly string[] OtlpHeaderVariables =
        ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS"];

    // Longest first: where one secret contains another, the whole of the longer one is masked.
    private readonly string[] _secrets;
    private readonly SearchValues<string>? _search;

    public SecretRedactor(HealthServiceOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var postgres in options.Postgres.Values)
        {
            AddPassword(secrets, postgres.ConnectionString);
        }

        foreach (var mysql in options.MySql.Values)
        {
            AddMySqlPassword(secrets, mysql.ConnectionString);
        }

        foreach (var redis in options.Redis.Values)
        {
            Add(secrets, RedisConnection.TryParse(redis.ConnectionString)?.Password);
        }

        Add(secrets, options.Details.ApiKey);
        Add(secrets, options.Maintenance.ApiKey);
        foreach (var http in options.Http.Values)
        {
            AddHeaderValues(secrets, http.Headers.Values);
        }

        foreach (var webhook in options.Alerts.Webhooks.Values)
        {
            Add(secrets, webhook.Url); // its path often is the credential (Slack, Teams)
            Add(secrets, webhook.RoutingKey); // PagerDuty's integration key
            AddHeaderValues(secrets, webhook.Headers.Values);
        }

        foreach (var command in options.Command.Values)
        {
            foreach (var value in command.Environment.Values)
            {
                Add(secrets, value);
            }
        }

        foreach (var variable in OtlpHeaderVariables)
        {
            AddOtlpHeaderValues(secrets, configuration[variable]);
        }

        _secrets = [.. secrets.OrderByDescending(secret => secret.Length)];
        _search = _secrets.Length == 0 ? null : SearchValues.Create(_secrets, StringComparison.Ordinal);
    }

    /// <summary>The text with every secret masked; the same instance when there was none.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_search is not null && text.AsSpan().ContainsAny(_search))
        {
            text = MaskSecrets(text);
        }

        // Every credential shape has a ':' or '='; Regex.Replace returns the input itself when nothing matches.
        return text.AsSpan().ContainsAny(':', '=') ? Credential().Replace(text, "${keep}${quote}${scheme}" + Mask) : text;
    }

    /// <summary>The data with its string values redacted; the same instance when none held a secret.</summary>
    public IReadOnlyDictionary<string, object> RedactValues(IReadOnlyDictionary<string, object> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Dictionary<string, object>? redacted = null;
        foreach (var (key, value) in data)
        {
            if (value is string text && Redact(text) is var safe && !ReferenceEquals(safe, text))
            {
                redacted ??= new Dictionary<string, object>(data, StringComparer.Ordinal);
                redacted[key] = safe;
            }
        }

        return redacted ?? data;
    }

    private string MaskSecrets(string text)
    {
        var masked = new StringBuilder(text.Length);
        var rest = text.AsSpan();
        int at;
        while ((at = rest.IndexOfAny(_search!)) >= 0)
        {
            masked.Append(rest[..at]).Append(Mask);
            rest = rest[(at + LengthOfSecretAt(rest[at..]))..];
        }

        return masked.Append(rest).ToString();
    }

    private int LengthOfSecretAt(ReadOnlySpan<char> text)
    {
        foreach (var secret in _secrets)
        {
            if (text.StartsWith(secret, StringComparison.Ordinal))
            {
                return secret.Length;
            }
        }

        return 1; // not reached: the search found one of them here
    }

    private static void Add(HashSet<string> secrets, string? value)
    {
        if (value is { Length: >= MinSecretLength })
        {
            secrets.Add(value);
        }
    }

    private static void AddHeaderValues(HashSet<string> secrets, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            Add(secrets, value);
            // "Bearer abc", "Basic abc": the credentials may also be printed without their scheme.
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                Add(secrets, value[(space + 1)..].Trim());
            }
        }
    }

    private static void AddPassword(HashSet<string> secrets, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        try
        {
            Add(secrets, new NpgsqlConnectionStringBuilder(connectionString).Password);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Does not parse: start-up validation reports it, and there is no password to take from it.
        }
    }

    private static void AddMySqlPassword(HashSet<string> secrets, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        try
        {
            Add(secrets, new MySqlConnectionStringBuilder(connectionString).Password);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Does not parse: start-up validation reports it, and there is no password to take from it.
        }
    }

    // key1=value1,key2=value2 with percent-encoded values, as the OpenTelemetry exporters read them.
    private static void AddOtlpHeaderValues(HashSet<string> secrets, string? headers)
    {
        if (string.IsNullOrWhiteSpace(headers))
        {
            return;
        }

        foreach (var header in headers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = header.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                var value = header[(equals + 1)..].Trim();
                AddHeaderValues(secrets, [value, Uri.UnescapeDataString(value)]);
            }
        }
    }

    // A credential-like name (PGPASSWORD, client_secret, X-Api-Key, ...) followed by ':' or '=' and a value: quoted,
    // or up to a space or separator, after an optional authorization scheme. Or the password of a URL's user info.
    [GeneratedRegex("""
        (?<keep>(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|auth|authorization|credentials?|private[_-]?key|access[_-]?key|cookie)["']?\s*[:=]\s*)
        (?:(?<quote>["'])[^"'\r\n]*|(?<scheme>(?:bearer|basic|digest|negotiate|token)\s+)?[^\s"',;&]+)
        |(?<keep>\b[a-z][a-z0-9+.-]*://[^\s/:@]+:)[^\s/@]+(?=@)
        """,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.IgnorePatternWhitespace | RegexOptions.ExplicitCapture)]
    private static partial Regex Credential();
}
