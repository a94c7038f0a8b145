using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace HealthService.Configuration;

/// <summary>
/// Finds a configuration key that no options property matches, so a typo such as <c>Health__Intreval</c> stops
/// start-up with its full path instead of being silently ignored.
/// </summary>
internal static class UnknownSettings
{
    public static string? Find(IConfigurationSection section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return child.Path;
            }

            var found = FindIn(child, property.PropertyType);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

#pragma warning disable IL2072 // Options types are kept: they are bound from configuration at start-up.
    private static string? FindIn(IConfigurationSection section, Type type)
    {
        // Dictionary<string, T> of options classes: every child is a named T (Health:Postgres:<name>:...).
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var valueType = type.GetGenericArguments()[1];
            return IsOptionsClass(valueType)
                ? section.GetChildren().Select(named => Find(named, valueType)).FirstOrDefault(path => path is not null)
                : null;
        }

        return IsOptionsClass(type) ? Find(section, type) : null;
    }
#pragma warning restore IL2072

    private static bool IsOptionsClass(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsArray && type.Namespace?.StartsWith("HealthService", StringComparison.Ordinal) == true;
}
