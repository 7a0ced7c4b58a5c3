using PgSecureConnect.Tests.Parsing.Libpq;

namespace PgSecureConnect.Fuzz;

/// <summary>
/// The seed corpus: every row of the libpq differential table (agreeing and documented-divergence inputs) for the URL
/// and keyword/value entry points, and hand-written inputs for the Npgsql form, <c>.env</c> text and variables.
/// </summary>
internal static class Seeds
{
    private static readonly string[] NpgsqlForms =
    [
        "Host=db1,db2:5433;Port=5432;Database=orders;Username=app;Password=secret;SSL Mode=VerifyFull;Root Certificate=/ca.pem;Timeout=15;" +
            "Maximum Pool Size=50;Minimum Pool Size=1;Target Session Attributes=primary;Load Balance Hosts=true;Tcp Keepalive=true;" +
            "Search Path=app;Application Name=x;Channel Binding=Require;Require Auth=ScramSHA256",
        "Server=[::1]:6000;Database=\"my;db\";User ID=u;Pwd='p;w';Connection Idle Lifetime=300;Connection Lifetime=3600;Options=-c x=y",
        "Host=/tmp;Database=d;Kerberos Service Name=pg;Gss Encryption Mode=Disable;SSL Negotiation=Direct;Client Encoding=UTF8",
        "host=h;port=5432;",
    ];

    private static readonly string[] DotEnvTexts =
    [
        "DATABASE_URL=postgresql://app:secret@db.example.com:5432/orders?sslmode=verify-full\n",
        "DB_HOST=db.example.com\nDB_PORT=5432\nDB_NAME=orders\nDB_USER=app\nDB_PASSWORD='p$w\"#rd'\nDB_SSLMODE=require\n",
        "# comment\nexport DB_HOST=\"db1,db2\"\nCA=/etc/ssl/ca.pem\nDB_SSLROOTCERT=${CA}\nDB_PASSWORD=\"a b # c\"  # trailing\n",
        "DB_HOST=h\nDB_HOST=h2\nDB_PORT=$UNDEFINED\n",
        "PGHOST=/var/run/postgresql\nPGDATABASE=orders\nPGAPPNAME=api\nDB_POOL_MAX=20\nDB_SCHEMA=app\n",
    ];

    private static readonly string[] VariableTexts =
    [
        "DB_HOST=db.example.com\nDB_PORT=5432\nDB_NAME=orders\nDB_USER=app\nDB_PASSWORD=secret\nDB_SSLMODE=verify-full\nDB_SSLROOTCERT=/ca.pem",
        "DATABASE_URL=postgresql://app@db1,db2/orders?target_session_attrs=read-write\nDB_SSLMODE=require",
        "PGHOST=db\nPGPORT=6432\nPGSSLMODE=prefer\nPGCONNECT_TIMEOUT=5\nPGTARGETSESSIONATTRS=standby",
        "DB_HOST=h\nDB_PASSWORD_FILE=/run/secrets/pw\nDB_POOL_MIN=2\nDB_POOL_MAX=1",
        "DATABASE_URL=postgresql://h/db\nDB_HOST=other",
    ];

    public static IEnumerable<byte[]> All()
    {
        var sentinel = 0;
        foreach (var text in DifferentialCorpus.Agreeing.Concat(DifferentialCorpus.Divergent.Select(d => d.Input)))
        {
            var entryPoint = text.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) || text.Contains("://", StringComparison.Ordinal)
                ? EntryPoint.Url
                : EntryPoint.KeywordValue;
            yield return FuzzInput.Encode(entryPoint, sentinel++ % FuzzInput.Sentinels.Count, text);
        }

        foreach (var text in NpgsqlForms)
        {
            yield return FuzzInput.Encode(EntryPoint.Npgsql, sentinel++ % FuzzInput.Sentinels.Count, text);
        }

        foreach (var text in DotEnvTexts)
        {
            yield return FuzzInput.Encode(EntryPoint.DotEnv, sentinel++ % FuzzInput.Sentinels.Count, text);
        }

        foreach (var text in VariableTexts)
        {
            yield return FuzzInput.Encode(EntryPoint.Variables, sentinel++ % FuzzInput.Sentinels.Count, text);
        }

        // Lone surrogates reach the parsers only through UTF-16.
        yield return FuzzInput.Encode(EntryPoint.Url, 0, "postgresql://u:p\uD800@h/db?application_name=\uDC00", utf16: true);
    }
}
