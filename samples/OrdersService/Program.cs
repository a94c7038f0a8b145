using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrdersService;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddScoped<OrdersQueue>();
builder.Services.AddSingleton<SampleStats>();
builder.Services.AddSingleton<IHealthCheckPublisher, StatsPublisher>();

// The two lines: the pipeline, with this service's own check chained on (critical unless tagged "non-critical").
builder.AddHealthService().AddCheck<OrdersQueueHealthCheck>("orders-queue");

var app = builder.Build();
app.MapHealthService(); // /health, /health/live and, when enabled, /health/details

// The framework's own endpoint still works, and reads the same snapshot: it never runs a check.
app.MapHealthChecks("/hc");

app.MapGet("/orders", () => Results.Ok(new[] { "order-1", "order-2" }));

// What the package test reads: how often the check ran, and how many reports the publisher received.
app.MapGet("/sample/stats", (SampleStats stats) => Results.Ok(new { stats.CheckRuns, stats.Reports }));

app.Run();
