namespace PgSecureConnect.Parsing;

/// <summary>How PgSecureConnect treats a connection parameter.</summary>
internal enum ParameterSupport
{
    /// <summary>A libpq parameter that is mapped to its Npgsql equivalent.</summary>
    Mapped,

    /// <summary>A libpq parameter Npgsql cannot honour: using it is an error that says so.</summary>
    NoNpgsqlEquivalent,

    /// <summary>Not libpq: an extra carried over from Prisma, node-postgres or pgx URLs, mapped when unambiguous.</summary>
    Extension,
}
