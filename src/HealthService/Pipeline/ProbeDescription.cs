using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Pipeline;

/// <summary>
/// Turns a probe result into a description that is safe to log and to show: exception messages may carry
/// connection strings or tokens, so only the exception's type is named.
/// </summary>
internal static class ProbeDescription
{
    public static string Of(HealthCheckResult result)
    {
        if (!string.IsNullOrWhiteSpace(result.Description))
        {
            return result.Description;
        }

        return result.Exception is { } ex
            ? $"failed with {ex.GetType().Name}"
            : result.Status.ToString();
    }
}
