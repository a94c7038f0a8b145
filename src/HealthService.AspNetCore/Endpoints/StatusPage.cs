using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using HealthService.History;
using HealthService.Identity;
using HealthService.Lifecycle;
using HealthService.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Endpoints;

/// <summary>
/// The status page (<c>/health/ui</c>): one self-contained HTML document with no script and no external resource,
/// styled by one inline style sheet that the <c>Content-Security-Policy</c> admits by its hash and nothing else. It shows
/// the verdict now and since when, each probe (status, critical or not, age, last reason), a timeline of the window for
/// readiness and each probe as inline SVG, and the transitions with their reasons. Every colour comes with its word.
/// It refreshes itself with a meta refresh, which needs no script.
/// </summary>
internal static class StatusPage
{
    /// <summary>How often the page reloads itself.</summary>
    public const int RefreshSeconds = 10;

    /// <summary>The most transitions the page lists, newest first; <c>/health/history</c> has them all.</summary>
    public const int MaxTransitionsShown = 50;

    /// <summary>The most runs a timeline's text lists, the latest; the picture shows the whole window.</summary>
    private const int MaxRunsInText = 12;

    private const int Width = 600;
    private const int Height = 10;

    private const string Style =
        ":root{color-scheme:light dark;font-family:system-ui,-apple-system,'Segoe UI',sans-serif}" +
        "body{margin:0 auto;max-width:75rem;padding:1rem;line-height:1.4}" +
        "h1{margin:.2rem 0;font-size:1.8rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}" +
        ".w{display:inline-block;padding:.05rem .5rem;border-radius:.3rem;font-weight:600;color:#fff}" +
        ".g{background:#1a7f37}.a{background:#9a5b00}.r{background:#c62828}.b{background:#1f5fbf}" +
        "svg{display:block;width:100%;height:1rem;margin:.2rem 0}svg rect{fill:#8884}svg path{fill:none;stroke-width:10}" +
        "svg path.g{stroke:#1a7f37}svg path.a{stroke:#d08a00}svg path.r{stroke:#c62828}svg path.b{stroke:#1f5fbf}" +
        "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #8884;vertical-align:top}" +
        ".runs{font-size:.8rem;margin:.1rem 0}.m{opacity:.75}.t{min-width:12rem}" +
        ".banner{padding:.5rem;border-left:.3rem solid #1f5fbf;background:#1f5fbf22}" +
        "@media (max-width:40rem){table,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:1px solid #8886;padding:.4rem 0}" +
        "td{border:0;padding:.1rem 0}td[data-l]::before{content:attr(data-l) ': ';font-weight:600}}";

    /// <summary>
    /// The policy the page is served with: nothing may load or run but the one style sheet, identified by its hash,
    /// and no other page may frame it.
    /// </summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; " +
        "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static string Render(HistoryView history, HealthSnapshot? snapshot, MaintenanceState.Window? maintenance, InstanceIdentity? instance, string version)
    {
        ArgumentNullException.ThrowIfNull(history);
        var now = history.Now;
        var start = now - history.Window;
        var word = ReadinessDecision.Name(history.Readiness);
        var instanceName = instance?.Id ?? Environment.MachineName;
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{RefreshSeconds}\">")
            .Append("<title>").Append(Encode($"{word} - {instanceName} - HealthService")).Append("</title>")
            .Append("<style>").Append(Style).Append("</style></head><body>\n");

        html.Append("<header><h1>").Append(Word(word, ReadinessClass(history.Readiness))).Append("</h1>")
            .Append("<p>since ").Append(Time(history.Since)).Append(" UTC (for ").Append(Age(now - history.Since)).Append(')')
            .Append(" &middot; instance ").Append(Encode(instanceName))
            .Append(" &middot; version ").Append(Encode(version)).Append("</p>")
            .Append("<p class=\"m\">As of ").Append(Time(now)).Append(" UTC, refreshed every ")
            .Append(RefreshSeconds.ToString(CultureInfo.InvariantCulture)).Append(" s. The last ").Append(Age(history.Window))
            .Append(", kept in memory: a restart begins it again.</p></header>\n");

        if (maintenance is not null)
        {
            html.Append("<p class=\"banner\"><b>Maintenance</b> by ").Append(Encode(maintenance.By)).Append(" until ")
                .Append(Time(maintenance.Until)).Append(" UTC: ").Append(Encode(maintenance.Reason)).Append("</p>\n");
        }

        html.Append("<section><h2>Readiness, last ").Append(Age(history.Window)).Append("</h2>");
        AppendTimeline(html, "Readiness", start, now, ReadinessSpans(history, start));
        html.Append("</section>\n");

        AppendProbes(html, history, snapshot, start, now);
        AppendTransitions(html, history);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendProbes(StringBuilder html, HistoryView history, HealthSnapshot? snapshot, DateTimeOffset start, DateTimeOffset now)
    {
        var entries = snapshot?.Report.Entries ?? new Dictionary<string, HealthReportEntry>();
        var names = entries.Keys.Union(history.Probes.Keys, StringComparer.Ordinal)
            .OrderBy(name => entries.TryGetValue(name, out var e) && HealthTags.IsCritical(e.Tags) ? 0 : 1)
            .ThenBy(name => name, StringComparer.Ordinal)
            .ToArray();
        html.Append("<section><h2>Probes</h2>");
        if (names.Length == 0)
        {
            html.Append("<p>No probe has completed yet.</p></section>\n");
            return;
        }

        html.Append("<table><thead><tr><th>Probe</th><th>Status</th><th>Gates readiness</th><th>Age</th><th>Last reason</th><th class=\"t\">Last ")
            .Append(Age(history.Window)).Append("</th></tr></thead><tbody>\n");
        foreach (var name in names)
        {
            entries.TryGetValue(name, out var entry);
            var known = entries.ContainsKey(name);
            html.Append("<tr><td data-l=\"Probe\"><b>").Append(Encode(name)).Append("</b></td>");
            html.Append("<td data-l=\"Status\">").Append(known ? Word(entry.Status.ToString(), StatusClass(entry.Status)) : "no result").Append("</td>");
            html.Append("<td data-l=\"Gates readiness\">").Append(!known ? "" : HealthTags.IsCritical(entry.Tags) ? "critical" : "reported only").Append("</td>");
            html.Append("<td data-l=\"Age\">");
            if (snapshot is not null && snapshot.ResultTimes.TryGetValue(name, out var completedAt))
            {
                html.Append(Age(now - completedAt));
            }

            html.Append("</td><td data-l=\"Last reason\">").Append(Encode(known ? entry.Description ?? "" : "")).Append("</td>");
            html.Append("<td data-l=\"Last ").Append(Age(history.Window)).Append("\">");
            IReadOnlyList<ProbeResultRecord> results = history.Probes.TryGetValue(name, out var r) ? r : [];
            AppendTimeline(html, name, start, now, ProbeSpans(results, now));
            html.Append("</td></tr>\n");
        }

        html.Append("</tbody></table></section>\n");
    }

    private static void AppendTransitions(StringBuilder html, HistoryView history)
    {
        html.Append("<section><h2>Transitions</h2>");
        if (history.Transitions.Count == 0)
        {
            html.Append("<p>None in the last ").Append(Age(history.Window)).Append(".</p></section>\n");
            return;
        }

        html.Append("<table><thead><tr><th>At (UTC)</th><th>From</th><th>To</th><th>Reason</th></tr></thead><tbody>\n");
        foreach (var transition in history.Transitions.Reverse().Take(MaxTransitionsShown))
        {
            html.Append("<tr><td data-l=\"At (UTC)\">").Append(DateAndTime(transition.At)).Append("</td>")
                .Append("<td data-l=\"From\">").Append(Word(ReadinessDecision.Name(transition.From), ReadinessClass(transition.From))).Append("</td>")
                .Append("<td data-l=\"To\">").Append(Word(ReadinessDecision.Name(transition.To), ReadinessClass(transition.To))).Append("</td>")
                .Append("<td data-l=\"Reason\">").Append(Encode(transition.Reason)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>");
        if (history.Transitions.Count > MaxTransitionsShown)
        {
            html.Append("<p class=\"m\">").Append((history.Transitions.Count - MaxTransitionsShown).ToString(CultureInfo.InvariantCulture))
                .Append(" earlier transitions are in /health/history.</p>");
        }

        html.Append("</section>\n");
    }

    /// <summary>
    /// The timeline as a picture, each bucket in its worst state, and, for whoever cannot see its colours or needs the
    /// exact times, the latest runs as text.
    /// </summary>
    private static void AppendTimeline(StringBuilder html, string subject, DateTimeOffset start, DateTimeOffset end, IReadOnlyList<Timeline.Span> spans)
    {
        var runs = Timeline.Bucketed(start, end, spans);
        var exact = Timeline.Merged(start, spans);
        var total = (end - start).TotalMilliseconds;
        html.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {Width} {Height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"")
            .Append(Encode($"{subject}: timeline of the last {Age(end - start)}, described below")).Append("\">")
            .Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\"/>");

        // One path per colour, each run a stroke as thick as the picture: a few bytes a run, however many runs.
        foreach (var colour in runs.GroupBy(run => ClassOf(run.Label)))
        {
            html.Append("<path class=\"").Append(colour.Key).Append("\" d=\"");
            foreach (var run in colour)
            {
                var x = (run.From - start).TotalMilliseconds / total * Width;
                var width = (run.To - run.From).TotalMilliseconds / total * Width;
                html.Append(CultureInfo.InvariantCulture, $"M{x:0.#} {Height / 2}h{width:0.#}");
            }

            html.Append("\"/>");
        }

        html.Append("</svg><p class=\"runs\">");
        if (exact.Count == 0)
        {
            html.Append("no data");
        }
        else
        {
            if (exact.Count > MaxRunsInText)
            {
                html.Append("&hellip; ");
            }

            html.AppendJoin(" &middot; ", exact.Skip(Math.Max(0, exact.Count - MaxRunsInText))
                .Select(run => $"{Time(run.From)}&ndash;{(run.To >= end ? "now" : Time(run.To))} {Encode(run.Label)}"));
        }

        html.Append("</p>");
    }

    /// <summary>Readiness over the window: each transition's state until the next one, nothing before the start.</summary>
    private static Timeline.Span[] ReadinessSpans(HistoryView history, DateTimeOffset start)
    {
        var spans = new List<Timeline.Span>();
        var from = history.Started > start ? history.Started : start;
        var state = history.Transitions.Count > 0 ? history.Transitions[0].From : history.Readiness;
        foreach (var transition in history.Transitions)
        {
            spans.Add(new Timeline.Span(from, transition.At, ReadinessRank(state), ReadinessDecision.Name(state)));
            from = transition.At;
            state = transition.To;
        }

        spans.Add(new Timeline.Span(from, history.Now, ReadinessRank(state), ReadinessDecision.Name(state)));
        return [.. spans.Where(span => span.To > span.From)];
    }

    /// <summary>
    /// A probe over the window: each result's status until the next result, neighbours in the same status as one span
    /// (a steady probe is one span however many results it has, which is what the picture and the text show anyway).
    /// </summary>
    private static List<Timeline.Span> ProbeSpans(IReadOnlyList<ProbeResultRecord> results, DateTimeOffset now)
    {
        var spans = new List<Timeline.Span>();
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            var to = i + 1 < results.Count ? results[i + 1].At : now;
            if (to <= result.At)
            {
                to = result.At.AddTicks(1);
            }

            if (spans.Count > 0 && spans[^1].Rank == StatusRank(result.Status) && spans[^1].To >= result.At)
            {
                spans[^1] = spans[^1] with { To = to };
            }
            else
            {
                spans.Add(new Timeline.Span(result.At, to, StatusRank(result.Status), result.Status.ToString()));
            }
        }

        return spans;
    }

    private static int StatusRank(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => 1,
        HealthStatus.Degraded => 2,
        _ => 3,
    };

    private static int ReadinessRank(Readiness readiness) => readiness switch
    {
        Readiness.Ok => 1,
        Readiness.Maintenance => 2,
        Readiness.Draining => 3,
        Readiness.Starting => 4,
        Readiness.Stale => 5,
        _ => 6,
    };

    private static string StatusClass(HealthStatus status) => ClassOf(status.ToString());

    private static string ReadinessClass(Readiness readiness) => ClassOf(ReadinessDecision.Name(readiness));

    /// <summary>Green for serving, amber for on the way or degraded, red for failing, blue for taken out on purpose.</summary>
    private static string ClassOf(string label) => label switch
    {
        "OK" or "Healthy" => "g",
        "Degraded" or "Starting" => "a",
        "Maintenance" or "Draining" => "b",
        _ => "r",
    };

    private static string Word(string word, string cssClass) => $"<span class=\"w {cssClass}\">{Encode(word)}</span>";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static string DateAndTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Age(TimeSpan span) =>
        span < TimeSpan.FromMinutes(2) ? $"{Math.Max(0, (int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s"
        : span < TimeSpan.FromHours(2) ? $"{((int)span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min"
        : span < TimeSpan.FromDays(2) ? $"{((int)span.TotalHours).ToString(CultureInfo.InvariantCulture)} h"
        : $"{((int)span.TotalDays).ToString(CultureInfo.InvariantCulture)} d";
}
