using System.Runtime.Versioning;

// The service runs on Linux (containers, EC2); the tests use /proc, signals, cgroup files and shell scripts.
[assembly: SupportedOSPlatform("linux")]
