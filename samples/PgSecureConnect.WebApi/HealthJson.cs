using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PgSecureConnect.WebApi;

/// <summary>Writes a health report as JSON: overall status, then each check with its servers (<c>PgSecureConnectServerHealth</c>).</summary>
internal static class HealthJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                servers = e.Value.Data.Values,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Options), context.RequestAborted);
    }
}
