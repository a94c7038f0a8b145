namespace HealthService.Telemetry.CloudWatch;

/// <summary>
/// Start-up checks of <c>Health:Metrics:CloudWatch</c>, by CloudWatch's own rules: a document with a namespace or
/// dimension value that CloudWatch refuses is stored as a log line, and its metrics are silently never created.
/// </summary>
internal static class CloudWatchMetricsValidation
{
    public const string Section = "Health:Metrics:CloudWatch";
    public const int MaxNamespaceLength = 255;
    public const int MaxDimensionValueLength = 1024;
    public const int QueueCapacityLimit = 100_000;

    /// <param name="section">Where the options were read (the constant by default): messages name keys under it.</param>
    public static void Validate(List<string> errors, CloudWatchMetricsOptions options, string section = Section)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);

        if (NamespaceProblem(options.Namespace) is { } problem)
        {
            errors.Add($"{section}:Namespace {problem} (was '{options.Namespace}').");
        }

        if (options.ServiceName is { } serviceName && !IsDimensionValue(serviceName))
        {
            errors.Add($"{section}:ServiceName must be 1 to {MaxDimensionValueLength} printable ASCII characters, not all spaces: CloudWatch's rule for a dimension value (was '{serviceName}').");
        }

        if (options.QueueCapacity is < 1 or > QueueCapacityLimit)
        {
            errors.Add($"{section}:QueueCapacity must be between 1 and {QueueCapacityLimit} (was {options.QueueCapacity}).");
        }
    }

    /// <summary>
    /// What CloudWatch documents for a namespace: 1 to 255 characters of letters, digits, period, hyphen, underscore,
    /// slash, hash, colon and space, at least one not a space; it cannot start with a colon (PutMetricData's pattern),
    /// and <c>AWS/</c> belongs to AWS's own services.
    /// </summary>
    internal static string? NamespaceProblem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "must not be empty";
        }

        if (name.Length > MaxNamespaceLength)
        {
            return $"must be at most {MaxNamespaceLength} characters";
        }

        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or '#' or ':' or ' '))
        {
            return "may contain only letters, digits, spaces and . - _ / # : (CloudWatch's namespace characters)";
        }

        if (name.StartsWith(':'))
        {
            return "must not start with ':'";
        }

        return name.StartsWith("AWS/", StringComparison.OrdinalIgnoreCase) ? "must not start with 'AWS/', which is reserved for AWS services" : null;
    }

    /// <summary>CloudWatch's rule for a dimension value: 1 to 1024 ASCII characters without control characters, not all spaces.</summary>
    internal static bool IsDimensionValue(string value) =>
        value.Length is > 0 and <= MaxDimensionValueLength && value.All(IsPrintableAscii) && !string.IsNullOrWhiteSpace(value);

    private static bool IsPrintableAscii(char c) => c is >= ' ' and <= '~';
}
