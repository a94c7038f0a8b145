using HealthService.Logging;
using HealthService.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace HealthService.Tests.Logging;

/// <summary>
/// The <c>Serilog</c> section, read in code (the native executable has no reflection to find sinks by name): the keys
/// of Serilog.Settings.Configuration for the sinks the service ships, and a start-up error naming any other key.
/// </summary>
public sealed class SerilogSectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? ErrorFor(params string[] settings) =>
        SerilogSection.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])))
            .Build()).Error;

    [Theory]
    [InlineData("Serilog:MinimumLevel:Default=Loud", "Serilog:MinimumLevel:Default: 'Loud' is not a level (Verbose, Debug, Information, Warning, Error, Fatal).")]
    [InlineData("Serilog:MinimumLevel:Default=3", "Serilog:MinimumLevel:Default: '3' is not a level")]
    [InlineData("Serilog:MinimumLevel=Chatty", "Serilog:MinimumLevel: 'Chatty' is not a level")]
    [InlineData("Serilog:MinimumLevel:Override:Npgsql=Noisy", "Serilog:MinimumLevel:Override:Npgsql: 'Noisy' is not a level")]
    [InlineData("Serilog:MinimumLevel:Defualt=Debug", "Serilog:MinimumLevel:Defualt is not a setting")]
    [InlineData("Serilog:WriteTo:Seq:Name=Seq", "Serilog:WriteTo:Seq:Name: 'Seq' is not a sink of this service (Console, File or Debug).")]
    [InlineData("Serilog:WriteTo:0=Elasticsearch", "Serilog:WriteTo:0:Name: 'Elasticsearch' is not a sink of this service")]
    [InlineData("Serilog:WriteTo:Console:Args:formatter=x", "Serilog:WriteTo:Console:Name is missing")]
    [InlineData("Serilog:WriteTo:Console:Name=Console|Serilog:WriteTo:Console:Args:theme=Literate", "Serilog:WriteTo:Console:Args:theme is not an argument of the Console sink")]
    [InlineData("Serilog:WriteTo:Console:Name=Console|Serilog:WriteTo:Console:Args:formatter=Serilog.Formatting.Display.MessageTemplateTextFormatter", "Serilog:WriteTo:Console:Args:formatter: 'Serilog.Formatting.Display.MessageTemplateTextFormatter' is not a formatter of this service")]
    [InlineData("Serilog:WriteTo:Console:Name=Console|Serilog:WriteTo:Console:Args:formatter=Serilog.Formatting.Json.JsonFormatter|Serilog:WriteTo:Console:Args:outputTemplate={Message}", "Serilog:WriteTo:Console:Args: set formatter or outputTemplate, not both.")]
    [InlineData("Serilog:WriteTo:Console:Name=Console|Serilog:WriteTo:Console:Args:restrictedToMinimumLevel=Most", "Serilog:WriteTo:Console:Args:restrictedToMinimumLevel: 'Most' is not a level")]
    [InlineData("Serilog:WriteTo:Console:Name=Console|Serilog:WriteTo:Console:Sink=x", "Serilog:WriteTo:Console:Sink is not a setting of a sink")]
    [InlineData("Serilog:WriteTo:File:Name=File", "Serilog:WriteTo:File:Args:path is missing: the File sink needs the file's path.")]
    [InlineData("Serilog:WriteTo:File:Name=File|Serilog:WriteTo:File:Args:path=/tmp/a.log|Serilog:WriteTo:File:Args:rollingInterval=Weekly", "Serilog:WriteTo:File:Args:rollingInterval: 'Weekly' is not one of Infinite, Year, Month, Day, Hour, Minute.")]
    [InlineData("Serilog:WriteTo:File:Name=File|Serilog:WriteTo:File:Args:path=/tmp/a.log|Serilog:WriteTo:File:Args:fileSizeLimitBytes=10MB", "Serilog:WriteTo:File:Args:fileSizeLimitBytes: '10MB' is not a positive number of bytes")]
    [InlineData("Serilog:WriteTo:File:Name=File|Serilog:WriteTo:File:Args:path=/tmp/a.log|Serilog:WriteTo:File:Args:retainedFileCountLimit=0", "Serilog:WriteTo:File:Args:retainedFileCountLimit: '0' is not a positive number of files")]
    [InlineData("Serilog:WriteTo:File:Name=File|Serilog:WriteTo:File:Args:path=/tmp/a.log|Serilog:WriteTo:File:Args:shared=yes", "Serilog:WriteTo:File:Args:shared: 'yes' is not true or false.")]
    [InlineData("Serilog:Enrich:0=WithMachineName", "Serilog:Enrich:0: 'WithMachineName' is not an enricher of this service")]
    [InlineData("Serilog:Filter:0:Name=ByExcluding", "Serilog:Filter is not a setting of this service's logging")]
    public void A_setting_the_service_cannot_apply_is_reported_with_its_key(string settings, string expected)
    {
        var error = ErrorFor(settings.Split('|'));

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("Serilog:Using:0=Serilog.Sinks.Console|Serilog:Using:1=Serilog.Sinks.File")]
    [InlineData("Serilog:MinimumLevel=Warning")]
    [InlineData("Serilog:MinimumLevel:Default=debug|Serilog:MinimumLevel:Override:Microsoft=Error")]
    [InlineData("Serilog:WriteTo:0=Console|Serilog:WriteTo:1=Debug")]
    [InlineData("Serilog:WriteTo:0:Name=Console|Serilog:WriteTo:0:Args:outputTemplate={Message:lj}{NewLine}|Serilog:WriteTo:0:Args:standardErrorFromLevel=Error")]
    [InlineData("Serilog:WriteTo:File:Name=File|Serilog:WriteTo:File:Args:path=/tmp/a.log|Serilog:WriteTo:File:Args:rollingInterval=Day|Serilog:WriteTo:File:Args:fileSizeLimitBytes=1048576|Serilog:WriteTo:File:Args:rollOnFileSizeLimit=true|Serilog:WriteTo:File:Args:retainedFileCountLimit=7|Serilog:WriteTo:File:Args:formatter=Serilog.Formatting.Compact.RenderedCompactJsonFormatter, Serilog.Formatting.Compact")]
    [InlineData("Serilog:WriteTo:Debug:Name=Debug|Serilog:WriteTo:Debug:Args:formatter=Serilog.Formatting.Json.JsonFormatter, Serilog")]
    [InlineData("Serilog:Properties:Team=payments|Serilog:Enrich:0=FromLogContext")]
    public void Settings_of_the_shipped_sinks_are_accepted(string settings) => Assert.Null(ErrorFor(settings.Split('|')));

    [Fact]
    public void The_shipped_appsettings_json_is_accepted()
    {
        var shipped = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();

        Assert.NotNull(shipped.GetSection("Serilog:WriteTo").GetChildren().SingleOrDefault());
        Assert.Null(SerilogSection.Read(shipped).Error);
    }

    [Fact]
    public async Task Properties_from_the_section_are_on_the_events()
    {
        await using var factory = new HealthServiceFactory()
            .With("Serilog:Properties:Team", "payments")
            .WithCheck("steady", new ControllableHealthCheck());
        await factory.WaitForStatusAsync(200, "OK");

        var readiness = Assert.Single(factory.Logs.WithEventName("ReadinessChanged"));
        Assert.Equal("payments", CollectingSink.Scalar(readiness, "Team"));
    }

    [Fact]
    public async Task A_bad_logging_setting_stops_the_process_with_one_line_naming_the_key()
    {
        var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreeLoopbackPort()}",
            ["Serilog__WriteTo__Console__Args__formatter"] = "Serilog.Formatting.Display.MessageTemplateTextFormatter, Serilog",
        });
        await using (service)
        {
            Assert.Equal(78, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var line = Assert.Single(service.StandardError);
        Assert.StartsWith("HealthService: configuration error: Serilog:WriteTo:Console:Args:formatter: 'Serilog.Formatting.Display.MessageTemplateTextFormatter, Serilog' is not a formatter", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_console_sink_writes_text_with_its_template_and_properties_next_to_the_json()
    {
        var port = ServiceProcess.FreeLoopbackPort();
        var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Health__DrainDelay"] = "00:00:00",
            ["Serilog__Properties__Team"] = "payments",
            ["Serilog__WriteTo__Text__Name"] = "Console",
            ["Serilog__WriteTo__Text__Args__outputTemplate"] = "TEXT {Level:u3} {Team} {Message:lj}{NewLine}",
            ["Serilog__WriteTo__Errors__Name"] = "Console",
            ["Serilog__WriteTo__Errors__Args__outputTemplate"] = "ERRORS {Message:lj}{NewLine}",
            ["Serilog__WriteTo__Errors__Args__restrictedToMinimumLevel"] = "Error",
        });
        await using (service)
        {
            await service.WaitForStatusAsync($"http://127.0.0.1:{port}/health", 200, TimeSpan.FromSeconds(30));
            service.Signal("TERM");
            Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Each event goes to every sink whose level it reaches: the JSON one, the text one, and none to the errors one.
        Assert.Contains(service.StandardOutput, line => line.StartsWith("TEXT INF payments Readiness changed from Starting to OK", StringComparison.Ordinal));
        Assert.DoesNotContain(service.StandardOutput, line => line.StartsWith("ERRORS", StringComparison.Ordinal));
        Assert.Contains(service.StandardOutput, line => line.StartsWith("{\"@t\":", StringComparison.Ordinal) && line.Contains("\"ReadinessChanged\"", StringComparison.Ordinal) && line.Contains("\"Team\":\"payments\"", StringComparison.Ordinal));
    }
}
