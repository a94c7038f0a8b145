using System.Runtime.CompilerServices;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// Keeps every host the tests start (in memory or as a process, which inherits the environment) off the real cloud
/// metadata services: set once, before any test runs, so no test races another over the process environment. Tests
/// of instance identity point the hosts at loopback fakes through settings, which override these variables.
/// </summary>
internal static class NoCloudMetadata
{
#pragma warning disable CA2255 // The test assembly is the entry point: this must run before any test starts a host.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        Environment.SetEnvironmentVariable("ECS_CONTAINER_METADATA_URI_V4", null);
    }
}
