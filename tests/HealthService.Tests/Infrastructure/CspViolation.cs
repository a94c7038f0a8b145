namespace HealthService.Tests.Infrastructure;

/// <summary>One <c>securitypolicyviolation</c> event: the directive broken, what was blocked ("inline", a URL) and where.</summary>
public sealed record CspViolation(string Directive, string Blocked, string Sample, string Source, int Line)
{
    public override string ToString() => $"{Directive} blocked {Blocked} at {Source}:{Line}{(Sample.Length > 0 ? $" ({Sample})" : "")}";
}
