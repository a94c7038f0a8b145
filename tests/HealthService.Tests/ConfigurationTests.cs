using HealthService.Configuration;
using HealthService.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HealthService.Tests;

public sealed class ConfigurationTests
{
    private static string? ErrorFor(params (string Key, string Value)[] settings) =>
        ConfigurationGuard.FindError(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Theory]
    [InlineData("Health:Interval", "00:00:00", "Health:Interval must be greater than zero")]
    [InlineData("Health:Interval", "-00:00:05", "Health:Interval must be greater than zero")]
    [InlineData("Health:Interval", "five seconds", "at 'Health:Interval' to type 'System.TimeSpan'")]
    [InlineData("Health:Timeout", "00:00:06", "Health:Timeout must be greater than zero and no longer than Health:Interval")]
    [InlineData("Health:Timeout", "00:00:00", "Health:Timeout must be greater than zero")]
    [InlineData("Health:MaxAge", "00:00:06", "Health:MaxAge must be longer than Health:Interval plus Health:Timeout")]
    [InlineData("Health:Memory:DegradedPercent", "120", "Health:Memory:DegradedPercent must be a percentage")]
    [InlineData("Health:Memory:DegradedPercent", "eighty", "at 'Health:Memory:DegradedPercent' to type 'System.Double'")]
    [InlineData("Health:Cpu:UnhealthyPercent", "50", "Health:Cpu:UnhealthyPercent must be a percentage at most 100 and not below Health:Cpu:DegradedPercent")]
    [InlineData("Health:Cpu:HysteresisPercent", "-1", "Health:Cpu:HysteresisPercent must be at least 0")]
    [InlineData("Health:Disk:HysteresisPercent", "95", "Health:Disk:HysteresisPercent must be at least 0 and below Health:Disk:DegradedPercent")]
    [InlineData("Health:Memory:Timeout", "00:00:10", "Health:Memory:Timeout must be greater than zero and no longer than Health:Interval")]
    [InlineData("Health:Cpu:Enabled", "maybe", "at 'Health:Cpu:Enabled' to type 'System.Boolean'")]
    [InlineData("Health:Disk:Paths:0", "relative/path", "Health:Disk:Paths:0 must be an absolute path to an existing directory")]
    [InlineData("Health:Disk:Paths:0", "/no/such/directory", "Health:Disk:Paths:0 must be an absolute path to an existing directory")]
    [InlineData("Health:Intreval", "00:00:05", "Health:Intreval is not a known setting")]
    [InlineData("Health:Details:ApiKey", "k3y-for-the-detailed-view-0123456789", "Health:Details:ApiKey is set but Health:Details:Enabled is false")]
    [InlineData("Health:Maintenance:ApiKey", "k3y-for-maintenance-writes-9876543210", "Health:Maintenance:ApiKey is set but Health:Details:Enabled is false")]
    [InlineData("Health:DrainDelay", "-00:00:01", "Health:DrainDelay must be between 0 and 00:05:00")]
    [InlineData("Health:ShutdownTimeout", "00:00:00", "Health:ShutdownTimeout must be greater than zero")]
    [InlineData("Health:Memory:Threshold", "90", "Health:Memory:Threshold is not a known setting")]
    public void A_bad_value_is_reported_with_its_key(string key, string value, string expected)
    {
        var error = ErrorFor((key, value));

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("Health:Postgres:main:Critical=true", "Health:Postgres:main:ConnectionString is required")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db;Pasword=hunter2", "Health:Postgres:main:ConnectionString is not a valid connection string")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db;Port=eighty;Password=hunter2", "Health:Postgres:main:ConnectionString is not a valid connection string")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db;Password=pa;hunter2=ss", "Health:Postgres:main:ConnectionString is not a valid connection string")] // an unquoted ';' inside the password
    [InlineData("Health:Postgres:main:ConnectionString=Username=app;Password=hunter2", "Health:Postgres:main:ConnectionString names no Host")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db|Health:Postgres:main:Timeout=00:00:00", "Health:Postgres:main:Timeout must be greater than zero")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db|Health:Postgres:main:Timeout=00:00:06", "Health:Postgres:main:Timeout must be greater than zero and no longer than Health:Interval")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db|Health:Postgres:main:Query= ", "Health:Postgres:main:Query must not be empty")]
    [InlineData("Health:Postgres:main:ConnectionString=Host=db|Health:Postgres:main:Port=5432", "Health:Postgres:main:Port is not a known setting")]
    [InlineData("Health:MySql:main:Critical=true", "Health:MySql:main:ConnectionString is required")]
    [InlineData("Health:MySql:main:ConnectionString=Server=db;Pasword=hunter2", "Health:MySql:main:ConnectionString is not a valid connection string")]
    [InlineData("Health:MySql:main:ConnectionString=Server=db;Port=eighty;Password=hunter2", "Health:MySql:main:ConnectionString is not a valid connection string")]
    [InlineData("Health:MySql:main:ConnectionString=Server=db;Password=pa;hunter2=ss", "Health:MySql:main:ConnectionString is not a valid connection string")] // an unquoted ';' inside the password
    [InlineData("Health:MySql:main:ConnectionString=User ID=app;Password=hunter2", "Health:MySql:main:ConnectionString names no Server")]
    [InlineData("Health:MySql:main:ConnectionString=Server=db|Health:MySql:main:Timeout=00:00:00", "Health:MySql:main:Timeout must be greater than zero")]
    [InlineData("Health:MySql:main:ConnectionString=Server=db|Health:MySql:main:Query=SELECT 1", "Health:MySql:main:Query is not a known setting")]
    [InlineData("Health:Details:Enabled=true|Health:Details:ApiKey=hunter2", "Health:Details:ApiKey must be at least 16 characters")]
    [InlineData("Health:Details:Enabled=true|Health:Maintenance:ApiKey=hunter2", "Health:Maintenance:ApiKey must be at least 16 characters")]
    [InlineData("Health:Details:Enabled=true|Health:Details:ApiKey=hunter2-hunter2-hunter2|Health:Maintenance:ApiKey=hunter2-hunter2-hunter2", "Health:Maintenance:ApiKey and Health:Details:ApiKey must differ")]
    [InlineData("Health:Http:api:Critical=true", "Health:Http:api:Url must be an absolute http or https URL")]
    [InlineData("Health:Http:api:Url=/relative/hunter2", "Health:Http:api:Url must be an absolute http or https URL.")]
    [InlineData("Health:Http:api:Url=ftp://files.example.com/hunter2", "Health:Http:api:Url must be an absolute http or https URL.")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Method=FETCH", "Health:Http:api:Method must be one of GET, HEAD, POST")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:ExpectedStatus=2xx", "Health:Http:api:ExpectedStatus must be status codes")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:ExpectedStatus=600", "Health:Http:api:ExpectedStatus must be status codes")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:ExpectedStatus=300-200", "Health:Http:api:ExpectedStatus must be status codes")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Headers:Bad Header=hunter2", "Health:Http:api:Headers:Bad Header must be a valid header name")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Headers:Content-Type=hunter2", "Health:Http:api:Headers:Content-Type must have a value that can be sent as that header")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Headers:Date=hunter2", "Health:Http:api:Headers:Date must have a value that can be sent as that header")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Headers:X-Api-Key=hunter2-\u00fc", "Health:Http:api:Headers:X-Api-Key must have a value that can be sent as that header")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Headers:X-Api-Key=hunter2\u0001", "Health:Http:api:Headers:X-Api-Key must have a value that can be sent as that header")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Headers:Content-Length=7", "Health:Http:api:Headers:Content-Length cannot be set")]
    [InlineData("Health:Http:api:Url=http://api.example.com/|Health:Http:api:Timeout=-00:00:01", "Health:Http:api:Timeout must be greater than zero")]
    [InlineData("Health:Command:disk:Path=check_disk", "Health:Command:disk:Path must be the absolute path of an executable")]
    [InlineData("Health:Command:disk:Path=/no/such/check_disk", "Health:Command:disk:Path does not exist")]
    [InlineData("Health:Command:disk:Path=/etc/passwd", "Health:Command:disk:Path is not executable")]
    [InlineData("Health:Command:disk:Path=/bin/true|Health:Command:disk:Timeout=00:00:30", "Health:Command:disk:Timeout must be greater than zero and no longer than Health:Interval")]
    public void A_bad_dependency_setting_is_reported_with_its_key_and_no_secret(string settings, string expected)
    {
        var pairs = settings.Split('|').Select(pair => pair.Split('=', 2)).Select(kv => (kv[0], kv[1])).ToArray();

        var error = ErrorFor(pairs);

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Well_formed_dependency_settings_are_accepted()
    {
        Assert.Null(ErrorFor(
            ("Health:Postgres:main:ConnectionString", "Host=db.internal;Username=app;Password=secret;Database=orders"),
            ("Health:Postgres:main:Timeout", "00:00:01"),
            ("Health:Http:payments:Url", "https://payments.example.com/health"),
            ("Health:Http:payments:Method", "head"),
            ("Health:Http:payments:ExpectedStatus", "200, 204, 301-302"),
            ("Health:Http:payments:Headers:Authorization", "Bearer abc"),
            ("Health:Http:payments:Headers:Content-Type", "application/json; charset=utf-8"),
            ("Health:Command:disk:Path", "/bin/true"),
            ("Health:Command:disk:Arguments:0", "-w")));
    }

    [Fact]
    public void The_defaults_and_the_shipped_appsettings_json_are_valid()
    {
        Assert.Null(ErrorFor());
        var shipped = new ConfigurationBuilder().AddJsonFile(Path.Combine(RepositoryRoot(), "appsettings.json")).Build();
        Assert.Null(ConfigurationGuard.FindError(shipped));
    }

    [Fact]
    public void MaxAge_defaults_to_three_intervals()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), new HealthServiceOptions().EffectiveMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(90), new HealthServiceOptions { Interval = TimeSpan.FromSeconds(30) }.EffectiveMaxAge);
    }

    [Fact]
    public async Task A_value_that_arrives_after_AddHealthService_read_the_section_is_refused_at_start_by_name()
    {
        // Configuration added after AddHealthService read the section bypasses the early guard and would not be used
        // (the probes were decided from the first reading); ValidateOnStart refuses it rather than lose it silently.
        var error = await StartFailure.OfAsync((builder, _) => builder.Configuration.AddInMemoryCollection([new("Health:Timeout", "00:00:09")]));

        Assert.StartsWith("Health:Timeout was set after AddHealthService read the Health section, so it is not used", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_app_reads_the_appsettings_json_at_the_repository_root()
    {
        var root = Path.Combine(RepositoryRoot(), "appsettings.json");
        var copied = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.Equal(await File.ReadAllTextAsync(root, TestContext.Current.CancellationToken), await File.ReadAllTextAsync(copied, TestContext.Current.CancellationToken));

        await using var factory = new HealthServiceFactory();
        var configuration = factory.Services.GetRequiredService<IConfiguration>();
        var fromRoot = new ConfigurationBuilder().AddJsonFile(root).Build();
        Assert.Equal(fromRoot["Serilog:WriteTo:Console:Args:formatter"], configuration["Serilog:WriteTo:Console:Args:formatter"]);
        Assert.Equal(fromRoot["Health:Memory:DegradedPercent"], configuration["Health:Memory:DegradedPercent"]);
        Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(factory.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath));
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HealthService.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("HealthService.sln not found above " + AppContext.BaseDirectory);
    }
}
