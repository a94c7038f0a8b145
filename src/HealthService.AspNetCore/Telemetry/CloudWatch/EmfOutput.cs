namespace HealthService.Telemetry.CloudWatch;

/// <summary>
/// Where documents are written: <see cref="Console.Out"/>, the one synchronised writer the console logger writes
/// through too. A document is one <see cref="TextWriter.Write(string)"/> call of a whole line, made under that
/// writer's lock, so it never interleaves with a log line (Serilog's console sink also writes each event in one call).
/// </summary>
internal sealed record EmfOutput(TextWriter Writer);
