using HealthService.Probes.Resources;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A /proc and a cgroup file system laid out as a container runtime lays them out, written to a temporary folder, and
/// a <see cref="CgroupReader"/> that reads them instead of this machine's.
/// </summary>
internal sealed class FakeCgroupTree : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgroup-sample-").FullName;

    public CgroupReader Reader => new(Path.Combine(_root, "proc"), Path.Combine(_root, "sys/fs/cgroup"));

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/>, e.g. <c>sys/fs/cgroup/memory.max</c>.</summary>
    public FakeCgroupTree Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
