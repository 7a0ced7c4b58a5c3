namespace PgSecureConnect.Testing;

/// <summary>How <see cref="PostgresTestBed.StartPgBouncerAsync"/> configures PgBouncer.</summary>
public sealed class PgBouncerOptions
{
    /// <summary>The pool mode. Default <see cref="PgBouncerPoolMode.Transaction"/>.</summary>
    public PgBouncerPoolMode PoolMode { get; set; } = PgBouncerPoolMode.Transaction;

    /// <summary>Server connections per user and database (<c>default_pool_size</c>). Default 5.</summary>
    public int PoolSize { get; set; } = 5;

    /// <summary>The IP address PgBouncer listens on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = PostgresServerOptions.DefaultListenAddress;

    /// <summary>
    /// Offer TLS to clients (<c>client_tls_sslmode = allow</c>) with a valid certificate from the test CA;
    /// off by default (PgBouncer then answers TLS requests with 'N').
    /// </summary>
    public bool ClientTls { get; set; }
}
