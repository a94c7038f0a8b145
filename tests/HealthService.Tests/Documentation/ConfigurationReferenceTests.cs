namespace HealthService.Tests.Documentation;

/// <summary>
/// docs/configuration.md against the code: every key the service reads is documented, every documented key exists,
/// and documented defaults are the ones the options classes and <c>appsettings.json</c> give. The keys come from the
/// code (the options the real host binds, walked by reflection, and the direct <c>IConfiguration</c> reads in
/// <c>src/</c>), the documented ones from the first column of the key tables.
/// </summary>
public sealed class ConfigurationReferenceTests
{
    private const string Reference = "docs/configuration.md";
    private const string FrameworkSection = "Framework settings";
    private static readonly string[] Columns = ["key", "default", "range", "environment variable", "meaning"];

    private static readonly Lazy<Sources> Code = new(() => Sources.Read(ConfigurationTests.RepositoryRoot()));

    [Fact]
    public void Every_key_the_service_reads_is_documented()
    {
        var documented = Documented(framework: false).Select(row => row.Key).ToList();
        var frameworkRows = Documented(framework: true).Select(row => row.Key).ToList();
        var code = Code.Value;

        var missing = code.Bound.Select(setting => setting.Key)
            .Concat(code.Exact.Select(read => read.Key))
            .Where(key => !documented.Any(doc => ConfigurationKey.Matches(doc, key)))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        missing.AddRange(code.OtherSections
            .Where(section => !documented.Concat(frameworkRows).Any(doc => ConfigurationKey.IsUnder(ConfigurationKey.Normalize(doc), section.Key)))
            .Select(section => $"{section.Key}:* (read as a section at {section.Where})"));

        Assert.True(missing.Count == 0,
            $"{Reference} does not document {missing.Count} key(s) the service reads; add a row for each to a key table:\n  "
            + string.Join("\n  ", missing));
    }

    [Fact]
    public void Every_documented_key_exists()
    {
        var code = Code.Value;
        var unknown = Documented(framework: false)
            .Where(row => !code.Bound.Any(setting => ConfigurationKey.Matches(row.Key, setting.Key))
                && !code.Exact.Any(read => ConfigurationKey.Matches(row.Key, read.Key))
                && !code.OtherSections.Any(section => ConfigurationKey.IsUnder(ConfigurationKey.Normalize(row.Key), section.Key)))
            .Select(row => $"{row.Key} (line {row.Line})")
            .ToList();

        Assert.True(unknown.Count == 0,
            $"{Reference} documents {unknown.Count} key(s) that no options class binds and no code reads; remove or correct them:\n  "
            + string.Join("\n  ", unknown));
    }

    [Fact]
    public void The_framework_settings_are_the_ones_shipped_in_appsettings_json()
    {
        var code = Code.Value;
        var framework = Documented(framework: true).ToList();
        var shipped = code.Shipped.Keys.Where(key => !ConfigurationKey.IsUnder(key, "Health")).ToList();

        var undocumented = shipped
            .Where(key => !framework.Concat(Documented(framework: false)).Any(row => ConfigurationKey.Matches(row.Key, key)))
            .ToList();
        var unknown = framework
            .Where(row => !shipped.Any(key => ConfigurationKey.Matches(row.Key, key))
                && !code.OtherSections.Any(section => ConfigurationKey.IsUnder(ConfigurationKey.Normalize(row.Key), section.Key)))
            .Select(row => $"{row.Key} (line {row.Line})")
            .ToList();

        Assert.True(undocumented.Count == 0 && unknown.Count == 0,
            $"appsettings.json ships {undocumented.Count} setting(s) that the '{FrameworkSection}' table of {Reference} does not cover:\n  "
            + string.Join("\n  ", undocumented)
            + $"\nand the table lists {unknown.Count} key(s) that appsettings.json does not ship:\n  " + string.Join("\n  ", unknown));
    }

    [Fact]
    public void Documented_defaults_are_the_defaults_in_force()
    {
        var code = Code.Value;
        var wrong = new List<string>();
        foreach (var row in Documented(framework: false).Concat(Documented(framework: true)))
        {
            // appsettings.json wins over the options class: it is what the service runs with.
            var expected = code.Shipped.TryGetValue(row.Key, out var shipped) ? shipped
                : code.Bound.FirstOrDefault(setting => ConfigurationKey.Matches(row.Key, setting.Key))?.Default;
            if (expected is not null && !row.Default.Contains(expected, StringComparison.OrdinalIgnoreCase))
            {
                wrong.Add($"{row.Key} (line {row.Line}): the default in force is '{expected}', the table says '{row.Default}'");
            }
        }

        Assert.True(wrong.Count == 0, $"{Reference} gives {wrong.Count} wrong default(s):\n  " + string.Join("\n  ", wrong));
    }

    [Fact]
    public void Every_key_table_gives_default_range_and_an_environment_variable()
    {
        var file = MarkdownFile.Load(ConfigurationTests.RepositoryRoot(), Reference);
        var tables = KeyTables(file).ToList();
        Assert.NotEmpty(tables);
        var problems = new List<string>();
        foreach (var table in tables)
        {
            if (!table.Header.Select(h => h.ToLowerInvariant()).SequenceEqual(Columns))
            {
                problems.Add($"table at line {table.Line}: columns are '{string.Join(" | ", table.Header)}', not '{string.Join(" | ", Columns)}'");
                continue;
            }

            foreach (var row in table.Rows)
            {
                if (row.Cells.Count != Columns.Length || row.Cells.Any(cell => cell.Length == 0))
                {
                    problems.Add($"line {row.Line}: every column needs a value");
                }
                else if (MarkdownFile.CodeSpans(row.Cells[0]).Any(key => key.StartsWith("Health:", StringComparison.Ordinal))
                    && !row.Cells[3].Contains("Health__", StringComparison.Ordinal))
                {
                    problems.Add($"line {row.Line}: the example is not a Health__... environment variable");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{Reference}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void The_changelog_lists_every_configuration_key()
    {
        var changelog = File.ReadAllText(Path.Combine(ConfigurationTests.RepositoryRoot(), "CHANGELOG.md"));
        var listed = MarkdownFile.CodeSpans(changelog).Select(ConfigurationKey.Normalize).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var code = Code.Value;
        var missing = code.Bound.Select(setting => setting.Key).Concat(code.Exact.Select(read => read.Key))
            .Select(ConfigurationKey.Normalize)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(key => !listed.Contains(key))
            .ToList();

        Assert.True(missing.Count == 0,
            $"CHANGELOG.md lists the public contract, but not these configuration keys:\n  " + string.Join("\n  ", missing));
    }

    [Fact]
    public void The_keys_come_from_the_code_not_from_a_list()
    {
        var code = Code.Value;

        // A few that the options classes bind, at every depth, and a few read directly: if the walk or the scan
        // found nothing, every other test here would pass for nothing.
        Assert.Contains(code.Bound, setting => setting.Key == "Health:Interval" && setting.Default == "00:00:05");
        Assert.Contains(code.Bound, setting => setting.Key == "Health:Postgres:<>:Critical" && setting.Default == "true");
        Assert.Contains(code.Bound, setting => setting.Key == "Health:Alerts:Webhooks:<>:Headers:<>");
        Assert.Contains(code.Bound, setting => setting.Key == "Health:Disk:Paths:<>");
        Assert.Contains(code.Exact, read => read.Key == "ECS_CONTAINER_METADATA_URI_V4");
        Assert.Contains(code.Exact, read => read.Key == "OTEL_EXPORTER_OTLP_LOGS_HEADERS");
        Assert.Contains(code.Exact, read => read.Key == "urls");
        Assert.Contains(code.OtherSections, read => read.Key == "Serilog");
        Assert.DoesNotContain(code.Bound, setting => setting.Key.EndsWith(":EffectiveMaxAge", StringComparison.Ordinal));
        Assert.True(code.Unresolved.Count == 0,
            "These IConfiguration reads in src/ name their key in a way the documentation test cannot follow (use a string "
            + "literal or a const string):\n  " + string.Join("\n  ", code.Unresolved));
    }

    private static IEnumerable<DocumentedKey> Documented(bool framework)
    {
        var file = MarkdownFile.Load(ConfigurationTests.RepositoryRoot(), Reference);
        return KeyTables(file)
            .Where(table => (table.Section == FrameworkSection) == framework)
            .SelectMany(table => table.Rows.SelectMany(row => MarkdownFile.CodeSpans(row.Cells[0])
                .Select(key => new DocumentedKey(key, row.Cells.Count > 1 ? row.Cells[1] : "", row.Line))));
    }

    private static IEnumerable<MarkdownTable> KeyTables(MarkdownFile file) =>
        file.Tables.Where(table => table.Header.Count > 0 && string.Equals(table.Header[0], "key", StringComparison.OrdinalIgnoreCase));

    private sealed record DocumentedKey(string Key, string Default, int Line);

    /// <summary>What the code reads: bound keys, exact direct reads, and sections read whole outside the bound ones.</summary>
    private sealed record Sources(
        IReadOnlyList<BoundSetting> Bound,
        IReadOnlyList<DirectRead> Exact,
        IReadOnlyList<DirectRead> OtherSections,
        IReadOnlyList<string> Unresolved,
        IReadOnlyDictionary<string, string> Shipped)
    {
        public static Sources Read(string root)
        {
            var bound = ConfigurationSources.BoundOptionTypes()
                .SelectMany(options => ConfigurationSources.KeysOf(options.Type, options.Section))
                .ToList();
            var reads = ConfigurationSources.DirectReads(root, out var unresolved);

            // A section whose keys an options class binds (Health, Health:Details) is documented key by key; any other
            // section read whole (Serilog, Kestrel:Endpoints) belongs to the library that reads it.
            var boundSections = reads.Where(read => read.IsSection && bound.Any(setting => ConfigurationKey.IsUnder(setting.Key, read.Key)));
            return new Sources(
                bound,
                [.. reads.Where(read => !read.IsSection)],
                [.. reads.Where(read => read.IsSection).Except(boundSections)],
                unresolved,
                ConfigurationSources.Shipped(root));
        }
    }
}
