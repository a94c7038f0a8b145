using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Json;

namespace HealthService.Logging;

/// <summary>
/// The <c>Serilog</c> section (levels, per-source overrides, properties, and the <c>Console</c>, <c>File</c> and
/// <c>Debug</c> sinks with their arguments), read in code with the keys of Serilog.Settings.Configuration. That
/// package finds sinks and formatters by reflection, which the native executable does not have; here every name the
/// section may use is known in advance, and anything else stops the start with the key that is wrong.
/// </summary>
internal sealed class SerilogSection
{
    private const string LevelNames = "Verbose, Debug, Information, Warning, Error, Fatal";

    private static readonly Dictionary<string, HashSet<string>> ArgumentsOfSink = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Console"] = new(StringComparer.OrdinalIgnoreCase) { "formatter", "outputTemplate", "restrictedToMinimumLevel", "standardErrorFromLevel" },
        ["File"] = new(StringComparer.OrdinalIgnoreCase)
        {
            "path", "formatter", "outputTemplate", "restrictedToMinimumLevel", "rollingInterval", "fileSizeLimitBytes",
            "rollOnFileSizeLimit", "retainedFileCountLimit", "shared",
        },
        ["Debug"] = new(StringComparer.OrdinalIgnoreCase) { "formatter", "outputTemplate", "restrictedToMinimumLevel" },
    };

    /// <summary>The formatters a sink's <c>formatter</c> may name, by type name (an assembly name after a comma is allowed).</summary>
    private static readonly Dictionary<string, Func<ITextFormatter>> Formatters = new(StringComparer.Ordinal)
    {
        ["Serilog.Formatting.Compact.CompactJsonFormatter"] = () => new CompactJsonFormatter(),
        ["Serilog.Formatting.Compact.RenderedCompactJsonFormatter"] = () => new RenderedCompactJsonFormatter(),
        ["Serilog.Formatting.Json.JsonFormatter"] = () => new JsonFormatter(),
    };

    private readonly List<(string Sink, IReadOnlyDictionary<string, string> Args)> _sinks = [];
    private readonly Dictionary<string, LogEventLevel> _overrides = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];
    private LogEventLevel _default = LogEventLevel.Information;

    private SerilogSection(IConfiguration configuration)
    {
        foreach (var child in configuration.GetSection("Serilog").GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "USING":
                    break; // assembly names for the reflection-based reader: every sink here is known without them
                case "MINIMUMLEVEL":
                    ReadLevels(child);
                    break;
                case "WRITETO":
                    foreach (var sink in child.GetChildren())
                    {
                        ReadSink(sink);
                    }

                    break;
                case "PROPERTIES":
                    foreach (var property in child.GetChildren())
                    {
                        _properties[property.Key] = property.Value ?? "";
                    }

                    break;
                case "ENRICH":
                    ReadEnrichers(child);
                    break;
                default:
                    _errors.Add($"{child.Path} is not a setting of this service's logging (it reads Serilog:MinimumLevel, Serilog:WriteTo, Serilog:Properties, Serilog:Enrich and Serilog:Using).");
                    break;
            }
        }
    }

    /// <summary>The section as read; <see cref="Error"/> says what is wrong with it, if anything.</summary>
    public static SerilogSection Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new SerilogSection(configuration);
    }

    /// <summary>Every problem in the <c>Serilog</c> section in one line, or null.</summary>
    public string? Error => _errors.Count == 0 ? null : string.Join(" ", _errors);

    /// <summary>The levels, overrides and properties: what decides which events are written at all.</summary>
    public LoggerConfiguration ApplyLevels(LoggerConfiguration logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        logger.MinimumLevel.Is(_default);
        foreach (var (source, level) in _overrides)
        {
            logger.MinimumLevel.Override(source, level);
        }

        foreach (var (name, value) in _properties)
        {
            logger.Enrich.WithProperty(name, value);
        }

        return logger;
    }

    /// <summary>The sinks, each with its own lowest level and format.</summary>
    public LoggerConfiguration ApplySinks(LoggerConfiguration logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        foreach (var (sink, args) in _sinks)
        {
            var level = args.TryGetValue("restrictedToMinimumLevel", out var restricted) ? Level(restricted)!.Value : LogEventLevel.Verbose;
            var formatter = args.TryGetValue("formatter", out var formatterName) ? Formatter(formatterName) : null;
            var template = args.GetValueOrDefault("outputTemplate");
            switch (sink.ToUpperInvariant())
            {
                case "CONSOLE":
                    var toStandardError = args.TryGetValue("standardErrorFromLevel", out var errorLevel) ? Level(errorLevel) : null;
                    _ = formatter is not null
                        ? logger.WriteTo.Console(formatter, level, standardErrorFromLevel: toStandardError)
                        : template is not null
                            ? logger.WriteTo.Console(outputTemplate: template, restrictedToMinimumLevel: level, standardErrorFromLevel: toStandardError, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
                            : logger.WriteTo.Console(restrictedToMinimumLevel: level, standardErrorFromLevel: toStandardError, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "FILE":
                    var path = args["path"];
                    var rolling = args.TryGetValue("rollingInterval", out var interval) ? Enum.Parse<RollingInterval>(interval, ignoreCase: true) : RollingInterval.Infinite;
                    long? sizeLimit = args.TryGetValue("fileSizeLimitBytes", out var size) ? (size.Length == 0 ? null : long.Parse(size, System.Globalization.CultureInfo.InvariantCulture)) : 1L * 1024 * 1024 * 1024;
                    var rollOnSize = args.TryGetValue("rollOnFileSizeLimit", out var roll) && bool.Parse(roll);
                    int? retained = args.TryGetValue("retainedFileCountLimit", out var count) ? (count.Length == 0 ? null : int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)) : 31;
                    var shared = args.TryGetValue("shared", out var sharedText) && bool.Parse(sharedText);
                    _ = formatter is not null
                        ? logger.WriteTo.File(formatter, path, level, sizeLimit, rollingInterval: rolling, rollOnFileSizeLimit: rollOnSize, retainedFileCountLimit: retained, shared: shared)
                        : logger.WriteTo.File(path, level, template ?? DefaultTemplate, System.Globalization.CultureInfo.InvariantCulture, sizeLimit, rollingInterval: rolling, rollOnFileSizeLimit: rollOnSize, retainedFileCountLimit: retained, shared: shared);
                    break;
                default:
                    _ = formatter is not null
                        ? logger.WriteTo.Debug(formatter, level)
                        : logger.WriteTo.Debug(level, template ?? DefaultTemplate, System.Globalization.CultureInfo.InvariantCulture);
                    break;
            }
        }

        return logger;
    }

    private const string DefaultTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    private void ReadLevels(IConfigurationSection section)
    {
        if (!section.GetChildren().Any())
        {
            _default = LevelOf(section) ?? _default; // "MinimumLevel": "Warning"
            return;
        }

        foreach (var child in section.GetChildren())
        {
            if (child.Key.Equals("Default", StringComparison.OrdinalIgnoreCase))
            {
                _default = LevelOf(child) ?? _default;
            }
            else if (child.Key.Equals("Override", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var source in child.GetChildren())
                {
                    if (LevelOf(source) is { } level)
                    {
                        _overrides[source.Key] = level;
                    }
                }
            }
            else
            {
                _errors.Add($"{child.Path} is not a setting (Serilog:MinimumLevel has Default and Override:<source>).");
            }
        }
    }

    private void ReadSink(IConfigurationSection section)
    {
        // "WriteTo": [ "Console" ] names a sink without arguments; "WriteTo": { "File": { "Name": "File", "Args": {...} } } with.
        var hasChildren = section.GetChildren().Any();
        var name = hasChildren ? section["Name"] : section.Value;
        if (string.IsNullOrWhiteSpace(name))
        {
            _errors.Add($"{section.Path}:Name is missing: name the sink (Console, File or Debug).");
            return;
        }

        if (!ArgumentsOfSink.TryGetValue(name, out var known))
        {
            _errors.Add($"{section.Path}:Name: '{name}' is not a sink of this service (Console, File or Debug).");
            return;
        }

        var args = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in hasChildren ? section.GetChildren() : [])
        {
            if (child.Key.Equals("Name", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!child.Key.Equals("Args", StringComparison.OrdinalIgnoreCase))
            {
                _errors.Add($"{child.Path} is not a setting of a sink (a sink has Name and Args).");
                continue;
            }

            foreach (var arg in child.GetChildren())
            {
                if (!known.Contains(arg.Key))
                {
                    _errors.Add($"{arg.Path} is not an argument of the {name} sink ({string.Join(", ", known)}).");
                }
                else
                {
                    args[arg.Key] = arg.Value ?? "";
                }
            }
        }

        var before = _errors.Count;
        CheckArguments(section.Path + ":Args", name, args);
        if (_errors.Count == before)
        {
            _sinks.Add((name, args));
        }
    }

    private void CheckArguments(string path, string sink, Dictionary<string, string> args)
    {
        if (args.TryGetValue("restrictedToMinimumLevel", out var level) && Level(level) is null)
        {
            _errors.Add($"{path}:restrictedToMinimumLevel: '{level}' is not a level ({LevelNames}).");
        }

        if (args.TryGetValue("standardErrorFromLevel", out var errorLevel) && Level(errorLevel) is null)
        {
            _errors.Add($"{path}:standardErrorFromLevel: '{errorLevel}' is not a level ({LevelNames}).");
        }

        if (args.TryGetValue("formatter", out var formatter) && Formatter(formatter) is null)
        {
            _errors.Add($"{path}:formatter: '{formatter}' is not a formatter of this service ({string.Join(", ", Formatters.Keys)}).");
        }

        if (args.ContainsKey("formatter") && args.ContainsKey("outputTemplate"))
        {
            _errors.Add($"{path}: set formatter or outputTemplate, not both.");
        }

        if (!sink.Equals("File", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(args.GetValueOrDefault("path")))
        {
            _errors.Add($"{path}:path is missing: the File sink needs the file's path.");
        }

        if (args.TryGetValue("rollingInterval", out var interval) && (!Enum.TryParse<RollingInterval>(interval, ignoreCase: true, out _) || IsNumber(interval)))
        {
            _errors.Add($"{path}:rollingInterval: '{interval}' is not one of Infinite, Year, Month, Day, Hour, Minute.");
        }

        if (args.TryGetValue("fileSizeLimitBytes", out var size) && size.Length > 0 && !(long.TryParse(size, System.Globalization.CultureInfo.InvariantCulture, out var bytes) && bytes > 0))
        {
            _errors.Add($"{path}:fileSizeLimitBytes: '{size}' is not a positive number of bytes (empty: no limit).");
        }

        if (args.TryGetValue("retainedFileCountLimit", out var count) && count.Length > 0 && !(int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out var files) && files > 0))
        {
            _errors.Add($"{path}:retainedFileCountLimit: '{count}' is not a positive number of files (empty: keep all).");
        }

        foreach (var flag in (string[])["rollOnFileSizeLimit", "shared"])
        {
            if (args.TryGetValue(flag, out var value) && !bool.TryParse(value, out _))
            {
                _errors.Add($"{path}:{flag}: '{value}' is not true or false.");
            }
        }
    }

    private void ReadEnrichers(IConfigurationSection section)
    {
        // Events always carry the log context's properties; no other enricher ships with the service.
        foreach (var child in section.GetChildren())
        {
            var name = child.GetChildren().Any() ? child["Name"] : child.Value;
            if (!string.Equals(name, "FromLogContext", StringComparison.OrdinalIgnoreCase))
            {
                _errors.Add($"{child.Path}: '{name}' is not an enricher of this service (FromLogContext is always on; fixed properties go in Serilog:Properties).");
            }
        }
    }

    private LogEventLevel? LevelOf(IConfigurationSection setting)
    {
        var level = Level(setting.Value);
        if (level is null)
        {
            _errors.Add($"{setting.Path}: '{setting.Value}' is not a level ({LevelNames}).");
        }

        return level;
    }

    private static LogEventLevel? Level(string? text) =>
        text is not null && !IsNumber(text) && Enum.TryParse<LogEventLevel>(text, ignoreCase: true, out var level) && Enum.IsDefined(level) ? level : null;

    private static bool IsNumber(string text) => text.Trim().Length > 0 && (char.IsAsciiDigit(text.Trim()[0]) || text.Trim()[0] is '-' or '+');

    private static ITextFormatter? Formatter(string name) =>
        Formatters.TryGetValue(name.Split(',')[0].Trim(), out var create) ? create() : null;
}
