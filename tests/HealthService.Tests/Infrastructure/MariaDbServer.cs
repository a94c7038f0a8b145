using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MySqlConnector;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A real MariaDB server for one test: its own data directory (a copy of a template that mariadb-install-db makes once
/// per test process), listening only on 127.0.0.1 on a free port, its socket in its own temporary directory. The
/// Debian package's own service is never used: <c>mariadbd</c> runs from our directory with <c>--no-defaults</c>. At
/// every start an init file creates the user the probe logs in as (<see cref="User"/>, with <see cref="Password"/>)
/// and the fixture's own user, so that what the probe holds can be counted apart. As root, the server runs as the
/// "mysql" user (runuser), which the Debian package creates.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    public const string BinariesVariable = "HEALTHSERVICE_TEST_MARIADB_BIN";

    public const string NotFoundMessage = "MariaDB server binaries not found: run ./scripts/test.sh (it installs the Debian package mariadb-server) "
        + "or `apt-get install mariadb-server`, or set HEALTHSERVICE_TEST_MARIADB_BIN to the folder holding mariadbd and mariadb-install-db.";

    /// <summary>The user the probe logs in as.</summary>
    public const string User = "healthservice";

    public const string Database = "app";

    private const string FixtureUser = "fixture";
    private const string DirectoryPrefix = "healthservice-mariadb-";
    private const string Loopback = "127.0.0.1";

    /// <summary>The bound of every wait on the server: start, stop, a query of the fixture's own.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<MariaDbServer, byte> Running = new();

    /// <summary>Made once per test process, on first use; a failure stays, so every test reports it.</summary>
    private static readonly Lazy<Task<Template>> SharedTemplate = new(() => Task.Run(Template.CreateAsync));

    /// <summary>Kept alive so that SIGTERM, which skips ProcessExit, still stops the servers first.</summary>
    private static PosixSignalRegistration? _onTerminate;

    private readonly Template _tools;
    private readonly string _directory;
    private readonly string _dataDirectory;
    private readonly string _logFile;
    private readonly string _pidFile;
    private Process? _launcher;
    private int _disposed;

    private MariaDbServer(Template tools, string directory)
    {
        _tools = tools;
        _directory = directory;
        _dataDirectory = Path.Combine(directory, "data");
        _logFile = Path.Combine(directory, "server.log");
        _pidFile = Path.Combine(directory, "mariadbd.pid");
    }

    public int Port { get; private set; }

    public string Password => _tools.Password;

    public int ServerPid { get; private set; }

    /// <summary>Starts a new, independent server and returns once it accepts connections.</summary>
    public static async Task<MariaDbServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var tools = await SharedTemplate.Value.WaitAsync(cancellationToken);
        var directory = Path.Combine(tools.TempRoot, $"{DirectoryPrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        var server = new MariaDbServer(tools, directory);
        Running.TryAdd(server, 0);
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var (exit, output) = await Run("cp", ["-a", tools.DataDirectory, server._dataDirectory], cancellationToken);
            if (exit != 0)
            {
                throw new InvalidOperationException($"Copying the template data directory {tools.DataDirectory} failed ({exit}): {output}");
            }

            await tools.ChownAsync(directory, cancellationToken);

            // A port that is free now may be taken before the server binds it: then try another one.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = ServiceProcess.FreeLoopbackPort();
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

    /// <summary>A MySqlConnector connection string to this server over TCP on 127.0.0.1; <paramref name="password"/> null means the real one.</summary>
    public string ConnectionString(string? password = null, string database = Database) =>
        new MySqlConnectionStringBuilder
        {
            Server = Loopback,
            Port = (uint)Port,
            Database = database,
            UserID = User,
            Password = password ?? Password,
            SslMode = MySqlSslMode.None,
        }.ConnectionString;

    /// <summary>Kills the server (SIGKILL, a crash) and waits until it is gone; a frozen server dies too.</summary>
    public async Task KillAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Signal("KILL", ServerPid);
        await WaitUntilGoneAsync(ServerPid);
    }

    /// <summary>Starts the same data directory on the same port again and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (IsAlive(ServerPid))
        {
            throw new InvalidOperationException($"The server on port {Port} is still running (pid {ServerPid}).");
        }

        var failure = await TryStartAsync(CancellationToken.None);
        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>Stops (SIGSTOP) the server, one process with all its threads: connections and queries hang.</summary>
    public void Freeze()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Signal("STOP", ServerPid);
        var waited = Stopwatch.StartNew();
        while (State(ServerPid) is not ('T' or 't'))
        {
            if (waited.Elapsed > WaitLimit)
            {
                throw new InvalidOperationException($"mariadbd {ServerPid} did not stop within {WaitLimit.TotalSeconds} s after SIGSTOP.");
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Resumes (SIGCONT) the server.</summary>
    public void Thaw()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Signal("CONT", ServerPid);
    }

    /// <summary>The number of connections the probe's user holds now.</summary>
    public Task<long> ProbeConnectionsAsync() =>
        ScalarAsync<long>($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{User}'");

    /// <summary>The first column of the first row, read as <typeparamref name="T"/>, through the fixture's own user.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString())
        {
            UserID = FixtureUser,
            Pooling = false, // the fixture itself keeps no connection open
            ConnectionTimeout = (uint)WaitLimit.TotalSeconds,
            DefaultCommandTimeout = (uint)WaitLimit.TotalSeconds,
        };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return (T)Convert.ChangeType(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No value from: {sql}"), typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Kills the server, thawed or not, and deletes its directory; never throws.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        Running.TryRemove(this, out _);
        return new ValueTask(Task.Run(() =>
        {
            ShutDown(ServerPid, _directory);
            _launcher?.Dispose();
        }));
    }

    /// <summary>Starts mariadbd and waits until the probe's user can log in; null when it could, else what went wrong.</summary>
    private async Task<string?> TryStartAsync(CancellationToken cancellationToken)
    {
        File.Delete(_pidFile);
        var logStart = File.Exists(_logFile) ? new FileInfo(_logFile).Length : 0;
        _launcher?.Dispose();
        var launcher = _launcher = _tools.Start(_tools.Server,
        [
            "--no-defaults", $"--datadir={_dataDirectory}", $"--port={Port}", $"--bind-address={Loopback}",
            $"--socket={Path.Combine(_directory, "mariadbd.sock")}", $"--pid-file={_pidFile}", $"--log-error={_logFile}",
            $"--init-file={_tools.InitFile}", "--skip-name-resolve", "--skip-log-bin", "--performance-schema=OFF",
            "--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0", "--max-connections=50",
        ]);
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < WaitLimit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (launcher.HasExited)
            {
                return $"mariadbd on {Loopback}:{Port} exited with {launcher.ExitCode} at start.\n{LogText(logStart)}";
            }

            if (ReadPid() is > 0 and var pid)
            {
                try
                {
                    ServerPid = pid;
                    await ScalarAsync<long>("SELECT 1");
                    return null;
                }
                catch (MySqlException)
                {
                    // Not accepting connections yet.
                }
            }

            await Task.Delay(50, cancellationToken);
        }

        return $"mariadbd did not accept connections on {Loopback}:{Port} within {WaitLimit.TotalSeconds} s.\n{LogText(logStart)}";
    }

    private int ReadPid()
    {
        try
        {
            return File.Exists(_pidFile) && int.TryParse(File.ReadAllText(_pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private string LogText(long from)
    {
        try
        {
            using var stream = new FileStream(_logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            return $"Server log {_logFile}:\n{new StreamReader(stream).ReadToEnd()}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Server log {_logFile} unreadable: {e.Message}";
        }
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        var waited = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (waited.Elapsed > WaitLimit)
            {
                throw new InvalidOperationException($"mariadbd {pid} was still running {WaitLimit.TotalSeconds} s after it was killed.");
            }

            await Task.Delay(10);
        }
    }

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

    private static void ShutDown(int pid, string directory)
    {
        try
        {
            if (IsAlive(pid))
            {
                Signal("KILL", pid);
                var waited = Stopwatch.StartNew();
                while (IsAlive(pid) && waited.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(10);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Best effort: the directory goes anyway.
        }

        DeleteDirectory(directory);
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover in the temporary folder; the next test process does not depend on it.
        }
    }

    private static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 0 } && fields[0].Length == 1 ? fields[0][0] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) => pid > 0 && State(pid) is { } state && state != 'Z' && state != 'X';

    private static void Signal(string signal, int pid)
    {
        if (pid <= 0)
        {
            return;
        }

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("kill -s \"$0\" \"$1\" 2>/dev/null || true");
        start.ArgumentList.Add(signal);
        start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start");
        if (!kill.WaitForExit(WaitLimit))
        {
            kill.Kill();
            throw new TimeoutException($"kill -s {signal} did not finish within {WaitLimit.TotalSeconds} s");
        }
    }

    private static async Task<(int ExitCode, string Output)> Run(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? runAs = null)
    {
        var start = Command(program, arguments, runAs);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"`{program} {string.Join(' ', arguments)}` did not finish within 120 s");
        }

        return (process.ExitCode, $"{await stdout}\n{await stderr}".Trim());
    }

    private static ProcessStartInfo Command(string program, IReadOnlyList<string> arguments, string? runAs)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/", // the mysql user may not enter ours
        };
        if (runAs is null)
        {
            start.FileName = program;
        }
        else
        {
            start.FileName = File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
            foreach (var argument in new[] { "-u", runAs, "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing inherited may choose another server, port or option file; messages in English.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MYSQL", StringComparison.Ordinal) || k.StartsWith("MARIADB", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["LC_ALL"] = "C";
        return start;
    }

    /// <summary>The binaries, the user the server runs as, and the data directory that mariadb-install-db made once for this process.</summary>
    private sealed class Template
    {
        private Template(string server, string installer, string? runAs, string tempRoot)
        {
            Server = server;
            Installer = installer;
            RunAs = runAs;
            TempRoot = tempRoot;
            Directory = Path.Combine(tempRoot, $"{DirectoryPrefix}{Environment.ProcessId}-template");
            DataDirectory = Path.Combine(Directory, "data");
            InitFile = Path.Combine(Directory, "init.sql");
        }

        public string Server { get; }

        public string Installer { get; }

        /// <summary>The user the server runs as ("mysql" when we are root), null for ourselves.</summary>
        public string? RunAs { get; }

        public string TempRoot { get; }

        public string Directory { get; }

        public string DataDirectory { get; }

        /// <summary>Run by the server at every start: the users and the database, with the password.</summary>
        public string InitFile { get; }

        public string Password { get; } = RandomNumberGenerator.GetHexString(24, lowercase: true);

        public static async Task<Template> CreateAsync()
        {
            var root = Environment.UserName == "root";
            var (server, installer) = FindBinaries();

            // The mysql user must reach the directories, so as root they live in /tmp whatever TMPDIR says.
            var template = new Template(server, installer, root ? "mysql" : null, root ? "/tmp" : Path.TrimEndingDirectorySeparator(Path.GetTempPath()));
            RemoveLeftovers(template.TempRoot);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
            _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll());
            try
            {
                DeleteDirectory(template.Directory);
                System.IO.Directory.CreateDirectory(template.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                await File.WriteAllTextAsync(template.InitFile, $"""
                    CREATE USER IF NOT EXISTS '{User}'@'{Loopback}' IDENTIFIED BY '{template.Password}';
                    CREATE USER IF NOT EXISTS '{FixtureUser}'@'{Loopback}' IDENTIFIED BY '{template.Password}';
                    CREATE DATABASE IF NOT EXISTS {Database};
                    GRANT ALL PRIVILEGES ON {Database}.* TO '{User}'@'{Loopback}';
                    GRANT ALL PRIVILEGES ON *.* TO '{FixtureUser}'@'{Loopback}';

                    """);
                await template.ChownAsync(template.Directory, CancellationToken.None);
                var (exit, output) = await Run(template.Installer,
                    ["--no-defaults", $"--datadir={template.DataDirectory}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
                    CancellationToken.None, template.RunAs);
                if (exit != 0)
                {
                    var asWhom = root ? " as the user mysql (we are root; the Debian package mariadb-server creates that user)" : "";
                    throw new InvalidOperationException($"mariadb-install-db{asWhom} failed ({exit}): {output}");
                }

                return template;
            }
            catch
            {
                DeleteDirectory(template.Directory);
                throw;
            }
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

                var pid = 0;
                try
                {
                    var pidFile = Path.Combine(directory, "mariadbd.pid");
                    pid = File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var read) ? read : 0;
                    var commandLine = pid > 0 ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : "";
                    pid = commandLine.Contains(directory, StringComparison.Ordinal) ? pid : 0;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    pid = 0;
                }

                ShutDown(pid, directory);
            }
        }

        /// <summary>Starts a long-running program (as the server's user if we are root), its output read and dropped.</summary>
        public Process Start(string program, IReadOnlyList<string> arguments)
        {
            var process = Process.Start(Command(program, arguments, RunAs)) ?? throw new InvalidOperationException($"{program} did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        public async Task ChownAsync(string path, CancellationToken cancellationToken)
        {
            if (RunAs is null)
            {
                return;
            }

            var (exit, output) = await Run("chown", ["-R", $"{RunAs}:", path], cancellationToken);
            if (exit != 0)
            {
                throw new InvalidOperationException($"chown -R {RunAs}: {path} failed ({exit}): {output}");
            }
        }

        private static (string Server, string Installer) FindBinaries()
        {
            var configured = Environment.GetEnvironmentVariable(BinariesVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                var (s, i) = (Path.Combine(configured, "mariadbd"), Path.Combine(configured, "mariadb-install-db"));
                return File.Exists(s) && File.Exists(i)
                    ? (Path.GetFullPath(s), Path.GetFullPath(i))
                    : throw new InvalidOperationException($"{BinariesVariable}={configured} holds no mariadbd and mariadb-install-db. {NotFoundMessage}");
            }

            const string Server = "/usr/sbin/mariadbd";
            const string Installer = "/usr/bin/mariadb-install-db";
            return File.Exists(Server) && File.Exists(Installer) ? (Server, Installer) : throw new InvalidOperationException(NotFoundMessage);
        }
    }
}
