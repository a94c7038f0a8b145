using System.Reflection;
using System.Text.RegularExpressions;
using HealthService.Configuration;
using Microsoft.Extensions.Logging;

namespace HealthService.Tests.Documentation;

/// <summary>
/// Log event ids are part of the public contract (alarms and metric filters match them): every <c>[LoggerMessage]</c>
/// in the service is in the runbook's table, with its name and level, and in the CHANGELOG; nothing else is.
/// </summary>
public sealed class LogEventDocumentationTests
{
    private const string Runbook = "docs/operations.md";

    [Fact]
    public void Every_log_event_is_in_the_runbook_with_its_name_and_level()
    {
        var documented = Documented();
        var problems = new List<string>();
        foreach (var logged in Logged())
        {
            if (!documented.TryGetValue(logged.EventId, out var row))
            {
                problems.Add($"{logged.EventId} {logged.EventName} is not documented");
            }
            else if (!row.Cells[1].Contains($"`{logged.EventName}`", StringComparison.Ordinal))
            {
                problems.Add($"{logged.EventId} is {logged.EventName}, the table says {row.Cells[1]} (line {row.Line})");
            }
            else if (logged.Level != LogLevel.None && !row.Cells[2].Contains(logged.Level.ToString(), StringComparison.Ordinal))
            {
                problems.Add($"{logged.EventId} {logged.EventName} is logged at {logged.Level}, the table says {row.Cells[2]} (line {row.Line})");
            }
        }

        Assert.True(problems.Count == 0, $"The log events table of {Runbook}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void The_runbook_documents_no_event_the_service_does_not_log()
    {
        var logged = Logged().Select(e => e.EventId).ToHashSet();

        var unknown = Documented().Where(pair => !logged.Contains(pair.Key)).Select(pair => $"{pair.Key} (line {pair.Value.Line})").ToList();

        Assert.True(unknown.Count == 0, $"{Runbook} documents event ids the service never logs:\n  " + string.Join("\n  ", unknown));
    }

    [Fact]
    public void The_changelog_lists_every_log_event()
    {
        var changelog = File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "CHANGELOG.md"));

        // Line breaks in the Markdown source are spaces to a reader.
        var missing = Logged().Where(e => !Regex.IsMatch(changelog, $@"`{e.EventId}`\s+{e.EventName}\b"))
            .Select(e => $"`{e.EventId}` {e.EventName}")
            .ToList();

        Assert.True(missing.Count == 0, "CHANGELOG.md lists the public contract, but not these log events:\n  " + string.Join("\n  ", missing));
    }

    [Fact]
    public void The_events_come_from_both_assemblies()
    {
        var logged = Logged();

        Assert.Contains(logged, e => e.EventId == 1001 && e.EventName == "ProbeStatusChanged");
        Assert.Contains(logged, e => e.EventId == 1300 && e.EventName == "LogEventsDropped");
        Assert.Equal(logged.Count, logged.Select(e => e.EventId).Distinct().Count());
    }

    /// <summary>Every <c>[LoggerMessage]</c> method of the library and of the service.</summary>
    private static List<LoggerMessageAttribute> Logged() =>
        [.. new[] { typeof(HealthServiceOptions).Assembly, typeof(Program).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .OrderBy(attribute => attribute.EventId)];

    /// <summary>The rows of the runbook's event table, by event id.</summary>
    private static Dictionary<int, MarkdownTableRow> Documented()
    {
        var runbook = MarkdownFile.Load(ConfigurationTests.RepositoryRoot(), Runbook);
        var table = Assert.Single(runbook.Tables, t => t.Header.Count > 2 && t.Header[0] == "event id");
        return table.Rows.ToDictionary(row => int.Parse(row.Cells[0], System.Globalization.CultureInfo.InvariantCulture));
    }
}
