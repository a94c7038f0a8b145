using HealthService.Probes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// Turns a probe result into a description that is safe to log and to show. When a check puts an exception's
/// message into its description (as many library checks do), the description is replaced by the failure's
/// category: exception messages may carry connection strings, tokens or server text. Secrets are masked before the
/// description is shortened, so that no part of one is left.
/// </summary>
internal static class ProbeDescription
{
    private const int MaxLength = 300;

    public static string Of(HealthCheckResult result, SecretRedactor redactor)
    {
        var description = result.Description;
        if (result.Exception is { } ex && (string.IsNullOrWhiteSpace(description) || Echoes(description, ex)))
        {
            description = ProbeFailure.Describe(ex);
        }

        if (string.IsNullOrWhiteSpace(description))
        {
            return result.Status.ToString();
        }

        description = redactor.Redact(description);
        return description.Length <= MaxLength ? description : description[..MaxLength] + "...";
    }

    private static bool Echoes(string description, Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            // A message that is itself the safe category (UnexpectedStatusException's "unexpected status 503") is fine.
            if (ex.Message.Length > 0 && ex.Message != ProbeFailure.Describe(ex) && description.Contains(ex.Message, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
