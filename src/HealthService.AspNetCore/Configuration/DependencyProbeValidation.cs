using HealthService.Probes.Command;
using HealthService.Probes.Dns;
using HealthService.Probes.Http;
using HealthService.Probes.MySql;
using HealthService.Probes.Postgres;
using HealthService.Probes.Redis;
using MySqlConnector;
using Npgsql;

namespace HealthService.Configuration;

/// <summary>
/// Start-up checks of <c>Health:Postgres</c>, <c>Health:MySql</c>, <c>Health:Http</c> and <c>Health:Command</c>. Messages name the key
/// and never repeat a connection string, URL or header value: those can hold secrets.
/// </summary>
internal static class DependencyProbeValidation
{
    public static void Validate(List<string> errors, HealthServiceOptions options)
    {
        foreach (var (name, postgres) in options.Postgres)
        {
            Postgres(errors, $"{options.SectionPath}:Postgres:{name}", postgres, options);
        }

        foreach (var (name, mysql) in options.MySql)
        {
            MySql(errors, $"{options.SectionPath}:MySql:{name}", mysql, options);
        }

        foreach (var (name, redis) in options.Redis)
        {
            Redis(errors, $"{options.SectionPath}:Redis:{name}", redis, options);
        }

        foreach (var (name, http) in options.Http)
        {
            Http(errors, $"{options.SectionPath}:Http:{name}", http, options);
        }

        foreach (var (name, command) in options.Command)
        {
            Command(errors, $"{options.SectionPath}:Command:{name}", command, options);
        }

        foreach (var (name, dns) in options.Dns)
        {
            Dns(errors, $"{options.SectionPath}:Dns:{name}", dns, options);
        }
    }

    private static void Postgres(List<string> errors, string key, PostgresProbeOptions postgres, HealthServiceOptions options)
    {
        ValidateTimeout(errors, key, postgres.Timeout, options);
        if (string.IsNullOrWhiteSpace(postgres.Query))
        {
            errors.Add($"{key}:Query must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(postgres.ConnectionString))
        {
            errors.Add($"{key}:ConnectionString is required to probe this database.");
            return;
        }

        try
        {
            var settings = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
            if (string.IsNullOrWhiteSpace(settings.Host))
            {
                errors.Add($"{key}:ConnectionString names no Host.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's message is not repeated: it names the keyword that failed, and in "Password=p;w=rd" that
            // keyword ("w") is part of the password.
            errors.Add($"{key}:ConnectionString is not a valid connection string: "
                + (ex is ArgumentException
                    ? "a keyword is unknown or a value does not parse (see the Npgsql connection string parameters)."
                    : "it does not parse as keyword=value pairs."));
        }
    }

    private static void MySql(List<string> errors, string key, MySqlProbeOptions mysql, HealthServiceOptions options)
    {
        ValidateTimeout(errors, key, mysql.Timeout, options);
        if (string.IsNullOrWhiteSpace(mysql.ConnectionString))
        {
            errors.Add($"{key}:ConnectionString is required to probe this database.");
            return;
        }

        try
        {
            var settings = new MySqlConnectionStringBuilder(mysql.ConnectionString);
            if (string.IsNullOrWhiteSpace(settings.Server))
            {
                errors.Add($"{key}:ConnectionString names no Server.");
            }

            // Values are only parsed when read: a port or timeout that is not a number fails here, not at the first round.
            _ = MySqlProbeExtensions.BoundedConnectionString(mysql.ConnectionString, TimeSpan.FromSeconds(1));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException or InvalidOperationException)
        {
            // MySqlConnector's message is not repeated: it can quote the keyword or value that failed, part of a password.
            errors.Add($"{key}:ConnectionString is not a valid connection string: a keyword is unknown or a value does not parse "
                + "(see the MySqlConnector connection string options).");
        }
    }

    private static void Redis(List<string> errors, string key, RedisProbeOptions redis, HealthServiceOptions options)
    {
        ValidateTimeout(errors, key, redis.Timeout, options);
        if (string.IsNullOrWhiteSpace(redis.ConnectionString))
        {
            errors.Add($"{key}:ConnectionString is required to probe this Redis.");
            return;
        }

        if (RedisConnection.TryParse(redis.ConnectionString) is not { } parsed)
        {
            // StackExchange.Redis's message is not repeated: it quotes the keyword or value that failed, and in
            // "password=a,b=c" that is part of the password.
            errors.Add($"{key}:ConnectionString is not a valid StackExchange.Redis configuration string: a keyword is unknown or a value does not parse "
                + "(see the StackExchange.Redis configuration options).");
        }
        else if (parsed.EndPoints.Count == 0)
        {
            errors.Add($"{key}:ConnectionString names no host:port.");
        }
    }

    private static void Http(List<string> errors, string key, HttpProbeOptions http, HealthServiceOptions options)
    {
        ValidateTimeout(errors, key, http.Timeout, options);
        HttpTargetValidation.Validate(errors, key, http.Url, http.Headers);
        if (!HttpProbeOptions.Methods.Contains(http.Method, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{key}:Method must be one of {string.Join(", ", HttpProbeOptions.Methods)} (was '{http.Method}').");
        }

        if (!ExpectedStatusCodes.TryParse(http.ExpectedStatus, out _))
        {
            errors.Add($"{key}:ExpectedStatus must be status codes (100-599) or ranges such as 200-299 or 200,204,301-302 (was '{http.ExpectedStatus}').");
        }
    }

    private static void Command(List<string> errors, string key, CommandProbeOptions command, HealthServiceOptions options)
    {
        ValidateTimeout(errors, key, command.Timeout, options);
        var path = command.Path;
        if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path))
        {
            errors.Add($"{key}:Path must be the absolute path of an executable (was '{path}').");
        }
        else if (!File.Exists(path))
        {
            errors.Add($"{key}:Path does not exist (was '{path}').");
        }
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            errors.Add($"{key}:Path is not executable (was '{path}').");
        }
        else if (ProcessGroup.Launcher is null)
        {
            errors.Add($"{key}:Path cannot be run in a process group of its own: util-linux 'setsid' was not found on PATH.");
        }

        foreach (var (name, value) in command.Environment)
        {
            // A name is passed as NAME=value in a NUL-terminated string; a value is never repeated, it may be a secret.
            if (name.Length == 0 || name.AsSpan().ContainsAny('=', '\0'))
            {
                errors.Add($"{key}:Environment:{name.Replace("\0", "\\0", StringComparison.Ordinal)} is not a valid variable name: it must be non-empty, without '=' or NUL.");
            }
            else if (value is not null && value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"{key}:Environment:{name} must not contain a NUL character.");
            }
        }
    }

    private static void Dns(List<string> errors, string key, DnsProbeOptions dns, HealthServiceOptions options)
    {
        ValidateTimeout(errors, key, dns.Timeout, options);
        if (string.IsNullOrWhiteSpace(dns.Host))
        {
            errors.Add($"{key}:Host is required to probe this name.");
        }
        else if (!DnsServerAddress.IsHostName(dns.Host))
        {
            errors.Add($"{key}:Host must be a DNS host name such as orders.internal.example.com: letters, digits, hyphens and dots, at most 253 characters (was '{dns.Host}').");
        }

        // Empty means unset (the system resolver): a template writes Health__Dns__db__Server= for "not set".
        if (!string.IsNullOrWhiteSpace(dns.Server) && DnsServerAddress.Parse(dns.Server) is null)
        {
            errors.Add($"{key}:Server must be an IP address and port such as 169.254.169.253:53 (was '{dns.Server}').");
        }
    }

    private static void ValidateTimeout(List<string> errors, string key, TimeSpan? timeout, HealthServiceOptions options)
    {
        if (timeout is { } value)
        {
            HealthServiceOptionsValidator.ValidateTimeout(errors, $"{key}:Timeout", value, options.Interval, options.SectionPath);
        }
    }
}
