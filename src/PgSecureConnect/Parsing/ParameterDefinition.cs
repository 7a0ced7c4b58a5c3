namespace PgSecureConnect.Parsing;

/// <summary>One known connection parameter.</summary>
/// <param name="Keyword">The libpq keyword (or the extension's name).</param>
/// <param name="EnvironmentVariable">The libpq environment variable (<c>PG*</c>) that supplies it, if any.</param>
/// <param name="Support">Whether and how it maps to Npgsql.</param>
/// <param name="IsSecret">Its value must never appear in a message.</param>
/// <param name="Explanation">For unsupported parameters: why, and what to do instead.</param>
internal sealed record ParameterDefinition(
    string Keyword,
    string? EnvironmentVariable,
    ParameterSupport Support,
    bool IsSecret = false,
    string? Explanation = null);
