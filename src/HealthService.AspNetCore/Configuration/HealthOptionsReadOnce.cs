using Microsoft.Extensions.Options;

namespace HealthService.Configuration;

/// <summary>
/// The options as <c>AddHealthService</c> read them: its configuration section bound once, and the settings made in
/// code applied once. Which probes, alerts and exporters exist is decided from that same reading, so the values used
/// at run time must come from it too; the application's own <c>Configure&lt;HealthServiceOptions&gt;</c> and
/// validators still apply on top, as with any options.
/// </summary>
internal sealed class HealthOptionsReadOnce(
    HealthServiceOptions read,
    IEnumerable<IConfigureOptions<HealthServiceOptions>> setups,
    IEnumerable<IPostConfigureOptions<HealthServiceOptions>> postConfigures,
    IEnumerable<IValidateOptions<HealthServiceOptions>> validations)
    : OptionsFactory<HealthServiceOptions>(setups, postConfigures, validations)
{
    protected override HealthServiceOptions CreateInstance(string name) => read;
}

/// <summary>
/// Refuses, at start, a key under the section that a configuration source added after <c>AddHealthService</c> set
/// or changed: it was not read, and a probe it would configure does not exist. The message names the key, never its
/// value (a connection string or URL can hold a secret).
/// </summary>
/// <param name="section">The section as configuration has it (read anew each time), and what was read of it at first.</param>
internal sealed class LateHealthSettings(IConfigurationSection section, IReadOnlyDictionary<string, string?> seen)
    : IValidateOptions<HealthServiceOptions>
{
    public static IReadOnlyDictionary<string, string?> Read(IConfigurationSection section) =>
        section.AsEnumerable().Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, HealthServiceOptions options)
    {
        var now = Read(section);
        var changed = now.Where(pair => !seen.TryGetValue(pair.Key, out var value) || value != pair.Value).Select(pair => pair.Key)
            .Concat(seen.Keys.Where(key => !now.ContainsKey(key)))
            .Order(StringComparer.OrdinalIgnoreCase).ToList();
        return changed.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(changed.Select(key =>
                $"{key} was set after AddHealthService read the {section.Path} section, so it is not used: add configuration sources before calling AddHealthService (in a WebApplicationFactory, set it with builder.UseSetting)."));
    }
}
