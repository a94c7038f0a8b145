namespace HealthService.Tests.Infrastructure;

/// <summary>
/// The tests that drive a browser: they share one Chromium and run one at a time (a browser uses more than one of the
/// two cores it is given).
/// </summary>
[CollectionDefinition(nameof(SharedChromium))]
public sealed class SharedChromium : ICollectionFixture<ChromiumBrowser>;
