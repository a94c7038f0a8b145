using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace HandlerBenchmarks;

/// <summary>
/// <c>HandlerBenchmarks [--results FILE] [--artifacts DIR]</c>: runs <see cref="ReadinessHandlerBenchmarks"/> with a
/// short in-process job (about a minute) and, with <c>--results</c>, writes one tab-separated line per benchmark
/// for bench/run.sh: name, median ns/op, mean ns/op, standard error ns, allocated bytes/op. Exit code 1 when a
/// benchmark did not produce results.
/// </summary>
internal static class Entry
{
    public static int Main(string[] args)
    {
        string? results = null;
        // Under bin/ by default (gitignored), wherever it is started from.
        var artifacts = Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--results" when i + 1 < args.Length:
                    results = args[++i];
                    break;
                case "--artifacts" when i + 1 < args.Length:
                    artifacts = args[++i];
                    break;
                default:
                    Console.Error.WriteLine("usage: HandlerBenchmarks [--results FILE] [--artifacts DIR]");
                    return 2;
            }
        }

        // In process: no generated project to build (it would inherit the repository's analyzers), and a run
        // short enough for bench/run.sh. One launch, 5 warm-up and 20 measured iterations of about 0.5 s each.
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(20)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(500))
            .WithId("short");
        var config = DefaultConfig.Instance.AddJob(job).WithArtifactsPath(artifacts);
        var summary = BenchmarkRunner.Run<ReadinessHandlerBenchmarks>(config);

        var lines = new List<string>();
        foreach (var report in summary.Reports)
        {
            if (!report.Success || report.ResultStatistics is not { } statistics)
            {
                Console.Error.WriteLine($"HandlerBenchmarks: no result for {report.BenchmarkCase.Descriptor.WorkloadMethod.Name}");
                return 1;
            }

            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
            lines.Add(string.Join('\t',
                report.BenchmarkCase.Descriptor.WorkloadMethod.Name.ToLowerInvariant(),
                statistics.Median.ToString("F3", CultureInfo.InvariantCulture),
                statistics.Mean.ToString("F3", CultureInfo.InvariantCulture),
                statistics.StandardError.ToString("F3", CultureInfo.InvariantCulture),
                allocated.ToString(CultureInfo.InvariantCulture)));
        }

        if (lines.Count == 0)
        {
            Console.Error.WriteLine("HandlerBenchmarks: no benchmark ran");
            return 1;
        }

        if (results is not null)
        {
            File.WriteAllLines(results, lines);
        }

        return 0;
    }
}
