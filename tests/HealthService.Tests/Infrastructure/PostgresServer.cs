using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Npgsql;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for one test: its own data directory (a copy of a template cluster that initdb makes
/// once per test process), listening only on 127.0.0.1 on a free port, its unix socket in its own temporary
/// directory, superuser "postgres" with a password checked by scram-sha-256. PostgreSQL refuses to run as root,
/// so as root the server and its tools run as the "postgres" user (runuser), which the Debian package creates.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinariesVariable = "HEALTHSERVICE_TEST_PG_BIN";

    public const string NotFoundMessage = "PostgreSQL server binaries not found: run ./scripts/test.sh (it installs the Debian package postgresql) "
        + "or `apt-get install postgresql`, or set HEALTHSERVICE_TEST_PG_BIN to the folder holding initdb and pg_ctl.";

    private const string DirectoryPrefix = "healthservice-pg-";
    private const string Superuser = "postgres";
    private const string Loopback = "127.0.0.1";

    /// <summary>The bound of every wait on the server: start, stop, freeze, a query of the fixture's own.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan InitdbLimit = TimeSpan.FromSeconds(90);
    private static readonly ConcurrentDictionary<PostgresServer, byte> Running = new();

    /// <summary>Made once per test process, on first use; a failure stays, so every test reports it.</summary>
    private static readonly Lazy<Task<Template>> SharedTemplate = new(() => Task.Run(Template.CreateAsync));

    /// <summary>Kept alive so that SIGTERM, which skips ProcessExit, still stops the servers first.</summary>
    private static PosixSignalRegistration? _onTerminate;

    private readonly Template _tools;
    private readonly string _directory;
    private readonly string _dataDirectory;
    private readonly string _logFile;
    private bool _frozen;
    private int _disposed;

    private PostgresServer(Template tools, string directory)
    {
        _tools = tools;
        _directory = directory;
        _dataDirectory = Path.Combine(directory, "data");
        _logFile = Path.Combine(directory, "server.log");
    }

    public int Port { get; private set; }

    public string Password => _tools.Password;

    public int PostmasterPid { get; private set; }

    /// <summary>Starts a new, independent server and returns once it accepts connections.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        // Not cancellable by one caller: other tests wait for the same template.
        var tools = await SharedTemplate.Value.WaitAsync(cancellationToken);
        var directory = Path.Combine(tools.TempRoot, $"{DirectoryPrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        var server = new PostgresServer(tools, directory);
        Running.TryAdd(server, 0);
        try
        {
            await tools.CreateOwnedDirectoryAsync(directory, cancellationToken);
            var (exit, output) = await tools.RunAsync("cp", ["-a", tools.DataDirectory, server._dataDirectory], WaitLimit, cancellationToken);
            if (exit != 0)
            {
                throw new InvalidOperationException($"Copying the template cluster {tools.DataDirectory} failed ({exit}): {output}");
            }

            // A port that is free now may be taken before the server binds it: then try another one.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = ServiceProcess.FreeLoopbackPort();
                await File.AppendAllTextAsync(
                    Path.Combine(server._dataDirectory, "postgresql.conf"),
                    $"\n# This server\nport = {server.Port}\nunix_socket_directories = '{directory}'\n",
                    cancellationToken);
                var failure = await server.TryStartAsync(cancellationToken);
                if (failure is null)
                {
                    return server;
                }

                if (attempt == 3 || !failure.Contains("Address already in use", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(failure);
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string to this server over TCP on 127.0.0.1; <paramref name="password"/> null means the real one.</summary>
    public string ConnectionString(string database = "postgres", string user = Superuser, string? password = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Loopback,
            Port = Port,
            Database = database,
            Username = user,
            Password = password ?? Password,
        }.ConnectionString;

    /// <summary>Stops the server (pg_ctl stop -m fast) and waits until it has stopped; a frozen server is thawed first.</summary>
    public async Task StopAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_frozen)
        {
            Thaw();
        }

        var (exit, output) = await _tools.RunAsync(
            _tools.Tool("pg_ctl"), ["stop", "-D", _dataDirectory, "-m", "fast", "-w", "-t", Seconds(WaitLimit)], WaitLimit + TimeSpan.FromSeconds(10), CancellationToken.None);
        if (exit != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop failed ({exit}) within {Seconds(WaitLimit)} s: {output}\n{LogText()}");
        }
    }

    /// <summary>Starts the same data directory on the same port again and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (IsAlive(PostmasterPid))
        {
            throw new InvalidOperationException($"The server on port {Port} is still running (postmaster {PostmasterPid}).");
        }

        var failure = await TryStartAsync(CancellationToken.None);
        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>Stops (SIGSTOP) the postmaster and then every process it has started: connections and queries hang.</summary>
    public void Freeze()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!IsAlive(PostmasterPid))
        {
            throw new InvalidOperationException($"The server on port {Port} is not running.");
        }

        // The postmaster first, so that it starts no backend while its children are being stopped.
        _frozen = true;
        Signal("STOP", [PostmasterPid]);
        var waited = Stopwatch.StartNew();
        while (State(PostmasterPid) is not ('T' or 't'))
        {
            if (waited.Elapsed > WaitLimit)
            {
                throw new InvalidOperationException($"The postmaster {PostmasterPid} did not stop within {Seconds(WaitLimit)} s after SIGSTOP (state {State(PostmasterPid)}).");
            }

            Thread.Sleep(1);
        }

        Signal("STOP", ChildrenOf(PostmasterPid));
    }

    /// <summary>Resumes (SIGCONT) the postmaster and every process it has started.</summary>
    public void Thaw()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Signal("CONT", [.. ChildrenOf(PostmasterPid), PostmasterPid]);
        _frozen = false;
    }

    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row, read as <typeparamref name="T"/> (a bigint count reads as int).</summary>
    public async Task<T> ScalarAsync<T>(string sql, string database = "postgres")
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync() || reader.FieldCount == 0)
        {
            throw new InvalidOperationException($"No value from: {sql}");
        }

        return await reader.IsDBNullAsync(0) ? default! : await reader.GetFieldValueAsync<T>(0);
    }

    /// <summary>Thaws the server if frozen, shuts it down at once and deletes its directory; never throws.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        Running.TryRemove(this, out _);
        var pid = ReadPostmasterPid(_dataDirectory) is var fromFile and > 0 ? fromFile : PostmasterPid;
        return new ValueTask(Task.Run(() => ShutDown(pid, _directory)));
    }

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        // No pool: the fixture itself keeps no connection open.
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString(database))
        {
            Pooling = false,
            Timeout = (int)WaitLimit.TotalSeconds,
            CommandTimeout = (int)WaitLimit.TotalSeconds,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>pg_ctl start, which waits until the server accepts connections; null when it did, else what went wrong.</summary>
    private async Task<string?> TryStartAsync(CancellationToken cancellationToken)
    {
        var logStart = File.Exists(_logFile) ? new FileInfo(_logFile).Length : 0;
        var (exit, output) = await _tools.RunAsync(
            _tools.Tool("pg_ctl"),
            ["start", "-D", _dataDirectory, "-l", _logFile, "-w", "-t", Seconds(WaitLimit), "-s"],
            WaitLimit + TimeSpan.FromSeconds(10),
            cancellationToken);
        var pid = ReadPostmasterPid(_dataDirectory);
        if (exit == 0 && pid > 0)
        {
            PostmasterPid = pid;
            _frozen = false;
            return null;
        }

        return $"PostgreSQL did not start on {Loopback}:{Port} within {Seconds(WaitLimit)} s (pg_ctl start exited with {exit}): {output}\n{LogText(logStart)}";
    }

    private string LogText(long from = 0)
    {
        string text;
        try
        {
            using var stream = new FileStream(_logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            text = new StreamReader(stream).ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = $"(unreadable: {e.Message})";
        }

        const int Tail = 8000;
        return $"Server log {_logFile}:\n{(text.Length > Tail ? "…" + text[^Tail..] : text)}";
    }

    /// <summary>At the end of the test process (or on SIGTERM): no server outlives it.</summary>
    private static void StopAll()
    {
        foreach (var server in Running.Keys)
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        if (SharedTemplate.IsValueCreated && SharedTemplate.Value.IsCompletedSuccessfully)
        {
            DeleteDirectory(SharedTemplate.Value.Result.Directory);
        }
    }

    /// <summary>Immediate shutdown (SIGQUIT, as pg_ctl stop -m immediate) of a possibly frozen server, SIGKILL if it lingers, then its directory goes.</summary>
    private static void ShutDown(int postmasterPid, string directory)
    {
        try
        {
            if (IsAlive(postmasterPid))
            {
                Signal("CONT", [.. ChildrenOf(postmasterPid), postmasterPid]);
                Signal("QUIT", [postmasterPid]);
                var waited = Stopwatch.StartNew();
                while (IsAlive(postmasterPid) && waited.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(10);
                }

                if (IsAlive(postmasterPid))
                {
                    Signal("KILL", [postmasterPid, .. ChildrenOf(postmasterPid)]);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception or IOException)
        {
            // Disposal never throws; the directory still goes.
        }

        DeleteDirectory(directory);
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a later test process removes what is left (Template.RemoveLeftovers).
        }
    }

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static int ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            var file = Path.Combine(dataDirectory, "postmaster.pid");
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The process state letter from /proc/PID/stat ('R', 'S', 'T' stopped, 'Z' zombie…), or null when there is no such process.</summary>
    private static char? State(int pid)
    {
        var fields = StatFields(pid);
        return fields is { Length: > 0 } && fields[0].Length == 1 ? fields[0][0] : null;
    }

    /// <summary>A zombie is dead: the postmaster is not our child, and nobody may reap it here.</summary>
    private static bool IsAlive(int pid) => pid > 0 && State(pid) is { } state && state != 'Z' && state != 'X';

    /// <summary>The fields of /proc/PID/stat after "pid (comm)": state, ppid, …</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        if (parent <= 0)
        {
            return children;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), CultureInfo.InvariantCulture, out var pid)
                && StatFields(pid) is { Length: > 1 } fields
                && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var ppid) && ppid == parent)
            {
                children.Add(pid);
            }
        }

        return children;
    }

    /// <summary>Sends a signal with the shell's kill; processes that are already gone are ignored.</summary>
    private static void Signal(string signal, IReadOnlyCollection<int> pids)
    {
        var targets = pids.Where(pid => pid > 0).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("kill -s \"$0\" \"$@\"");
        start.ArgumentList.Add(signal);
        foreach (var pid in targets)
        {
            start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        }

        using var kill = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start");
        if (!kill.WaitForExit(WaitLimit))
        {
            kill.Kill();
            throw new TimeoutException($"kill -s {signal} did not finish within {Seconds(WaitLimit)} s");
        }
    }

    /// <summary>The binaries, the user the server runs as, and the cluster that initdb made once for this process.</summary>
    private sealed class Template
    {
        private Template(string binDirectory, string? runAs, string tempRoot)
        {
            BinDirectory = binDirectory;
            RunAs = runAs;
            TempRoot = tempRoot;
            Directory = Path.Combine(tempRoot, $"{DirectoryPrefix}{Environment.ProcessId}-template");
            DataDirectory = Path.Combine(Directory, "data");
        }

        public string BinDirectory { get; }

        /// <summary>The user the server and its tools run as ("postgres" when we are root), null for ourselves.</summary>
        public string? RunAs { get; }

        public string TempRoot { get; }

        public string Directory { get; }

        public string DataDirectory { get; }

        public string Password { get; } = RandomNumberGenerator.GetHexString(24, lowercase: true);

        public string Tool(string name) => Path.Combine(BinDirectory, name);

        public static async Task<Template> CreateAsync()
        {
            var root = IsRoot();

            // The postgres user must reach the directories, so as root they live in /tmp whatever TMPDIR says.
            var template = new Template(FindBinaries(), root ? Superuser : null, root ? "/tmp" : Path.TrimEndingDirectorySeparator(Path.GetTempPath()));
            RemoveLeftovers(template.TempRoot);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
            _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll());
            try
            {
                await template.InitializeAsync();
                return template;
            }
            catch
            {
                DeleteDirectory(template.Directory);
                throw;
            }
        }

        public async Task CreateOwnedDirectoryAsync(string path, CancellationToken cancellationToken)
        {
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("PostgresServer runs PostgreSQL on Linux.");
            }

            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await ChownAsync(path, cancellationToken);
        }

        /// <summary>Runs a program, as the server's user if we are root; its exit code and output (stdout then stderr).</summary>
        public async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan limit, CancellationToken cancellationToken)
        {
            var start = new ProcessStartInfo
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = "/", // the postgres user may not enter ours
            };
            if (RunAs is null)
            {
                start.FileName = program;
            }
            else
            {
                start.FileName = File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
                start.ArgumentList.Add("-u");
                start.ArgumentList.Add(RunAs);
                start.ArgumentList.Add("--");
                start.ArgumentList.Add(program);
            }

            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // Nothing inherited may choose another server, port or data directory; messages in English.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(key);
            }

            start.Environment["LC_ALL"] = "C";
            var command = $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start");
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(limit);
            try
            {
                await process.WaitForExitAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"`{command}` did not finish within {Seconds(limit)} s");
            }

            var output = string.Join('\n', await stdout.WaitAsync(WaitLimit, CancellationToken.None), await stderr.WaitAsync(WaitLimit, CancellationToken.None));
            return (process.ExitCode, output.Trim());
        }

        private async Task InitializeAsync()
        {
            var none = CancellationToken.None;
            DeleteDirectory(Directory);
            await CreateOwnedDirectoryAsync(Directory, none);
            var passwordFile = Path.Combine(Directory, "password");
            await File.WriteAllTextAsync(passwordFile, Password + "\n", none); // in a 0700 directory
            await ChownAsync(passwordFile, none);

            var (exit, output) = await RunAsync(
                Tool("initdb"),
                ["-D", DataDirectory, "-U", Superuser, $"--pwfile={passwordFile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--encoding=UTF8", "--locale=C", "--wal-segsize=1", "--no-sync", "--no-instructions"],
                InitdbLimit,
                none);
            File.Delete(passwordFile);
            if (exit != 0)
            {
                var asWhom = RunAs is null ? "" : $" as the user {RunAs} (we are root; the Debian package postgresql creates that user)";
                throw new InvalidOperationException($"initdb{asWhom} failed ({exit}): {output}");
            }

            // Appending to and rewriting files keeps their owner, the postgres user when we are root.
            await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), """

                # HealthService tests: a throwaway server on loopback, quick rather than durable
                listen_addresses = '127.0.0.1'
                max_connections = 50
                shared_buffers = 16MB
                huge_pages = off
                fsync = off
                synchronous_commit = off
                full_page_writes = off
                wal_level = minimal
                max_wal_senders = 0
                password_encryption = scram-sha-256

                """, none);
            await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"), """
                # TYPE  DATABASE  USER  ADDRESS       METHOD
                local   all       all                 trust
                host    all       all   127.0.0.1/32  scram-sha-256

                """, none);
        }

        private async Task ChownAsync(string path, CancellationToken cancellationToken)
        {
            if (RunAs is null)
            {
                return;
            }

            var start = new ProcessStartInfo("chown") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var argument in new[] { "-R", $"{RunAs}:", path })
            {
                start.ArgumentList.Add(argument);
            }

            using var chown = Process.Start(start) ?? throw new InvalidOperationException("chown did not start");
            var error = chown.StandardError.ReadToEndAsync(CancellationToken.None);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(WaitLimit);
            await chown.WaitForExitAsync(bounded.Token);
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException($"chown -R {RunAs}: {path} failed ({chown.ExitCode}): {await error}");
            }
        }

        private static bool IsRoot()
        {
            // "Uid:  real  effective  saved  filesystem"
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line is not null && line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is { Length: > 2 } fields && fields[2] == "0";
        }

        private static string FindBinaries()
        {
            static bool HasServerTools(string directory) =>
                File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));

            var configured = Environment.GetEnvironmentVariable(BinariesVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return HasServerTools(configured)
                    ? Path.GetFullPath(configured)
                    : throw new InvalidOperationException($"{BinariesVariable}={configured} holds no initdb and pg_ctl. {NotFoundMessage}");
            }

            const string Versions = "/usr/lib/postgresql";
            var newest = System.IO.Directory.Exists(Versions)
                ? System.IO.Directory.EnumerateDirectories(Versions)
                    .Select(directory => (Directory: Path.Combine(directory, "bin"), Version: decimal.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var version) ? version : -1))
                    .Where(candidate => candidate.Version >= 0 && HasServerTools(candidate.Directory))
                    .OrderByDescending(candidate => candidate.Version)
                    .Select(candidate => candidate.Directory)
                    .FirstOrDefault()
                : null;
            return newest ?? throw new InvalidOperationException(NotFoundMessage);
        }

        /// <summary>Servers and directories of test processes that died without cleaning up (killed, crashed).</summary>
        private static void RemoveLeftovers(string tempRoot)
        {
            foreach (var directory in System.IO.Directory.EnumerateDirectories(tempRoot, DirectoryPrefix + "*"))
            {
                var name = Path.GetFileName(directory)[DirectoryPrefix.Length..];
                var dash = name.IndexOf('-', StringComparison.Ordinal);
                if (dash <= 0 || !int.TryParse(name[..dash], CultureInfo.InvariantCulture, out var owner)
                    || owner == Environment.ProcessId || IsAlive(owner))
                {
                    continue;
                }

                var data = Path.Combine(directory, "data");
                var pid = ReadPostmasterPid(data);
                if (CommandLine(pid).Contains(data, StringComparison.Ordinal))
                {
                    ShutDown(pid, directory);
                }
                else
                {
                    DeleteDirectory(directory);
                }
            }
        }

        private static string CommandLine(int pid)
        {
            try
            {
                return pid > 0 ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return "";
            }
        }
    }
}
