namespace HealthService.Pipeline;

/// <summary>Registered by <c>AddHealthService</c>: tells a second call, and <c>MapHealthService</c>, that it has run.</summary>
internal sealed class HealthServiceMarker;
