using System.Runtime.InteropServices;

namespace HealthService.Probes.Command;

/// <summary>
/// Runs each command in a process group of its own, so that everything it started can be killed at once, also a
/// child that has left its process tree.
/// </summary>
/// <remarks>
/// <see cref="System.Diagnostics.Process"/> cannot call setpgid(2) between fork and exec (its
/// <c>CreateNewProcessGroup</c> is Windows-only), so the command is started through util-linux <c>setsid</c>. Started
/// by the service, setsid is never a process group leader, so it does not fork: it calls setsid(2) and execs the
/// command, which keeps its pid. The command's pid is therefore its process group id, and kill(-pid) reaches the
/// whole group. util-linux is Essential in Debian and Ubuntu, so setsid is in the aspnet runtime images.
/// </remarks>
internal static class ProcessGroup
{
    private const int SigKill = 9;

    // execvp's search path when PATH is unset.
    private const string DefaultPath = "/bin:/usr/bin";

    private static readonly Lazy<string?> Setsid = new(Find);

    /// <summary>The absolute path of <c>setsid</c> on the service's PATH, or null when there is none.</summary>
    public static string? Launcher => Setsid.Value;

    /// <summary>Sends SIGKILL to every process in the group; a group with nothing left in it is no error.</summary>
    public static void Kill(int processGroupId) => _ = SendSignal(-processGroupId, SigKill);

    private static string? Find()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var path = Environment.GetEnvironmentVariable("PATH");
        foreach (var directory in (string.IsNullOrEmpty(path) ? DefaultPath : path).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Join(directory, "setsid");
            if (Path.IsPathFullyQualified(directory) && File.Exists(candidate)
                && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    // DllImport rather than LibraryImport: the signature is blittable, and LibraryImport would need unsafe code enabled
    // for the whole project.
    [DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);
}
