using PgSecureConnect.Internal;
namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads connection settings from named variables: <c>DATABASE_URL</c>, or the discrete <c>DB_*</c> variables, with
/// the libpq <c>PG*</c> variables as the lower layer and <c>*_FILE</c> variables for Docker and Kubernetes secrets.
/// Decides which of the two forms is in use and refuses to choose silently when both are.
/// </summary>
internal static class VariablesReader
{
    /// <param name="variables">Where the variables are read.</param>
    /// <param name="prefix">The variable prefix, or <see langword="null"/>.</param>
    /// <param name="readFile">Reads <c>*_FILE</c> secrets; <see langword="null"/> for <see cref="SecretFileReader"/>.</param>
    /// <param name="connectionString">
    /// A connection string found elsewhere (<c>ConnectionStrings:Default</c>) that takes the place of <c>DATABASE_URL</c>:
    /// the same conflicts are refused, and the same discrete variables (<c>DB_SSLMODE</c>, <c>DB_SSLROOTCERT</c>, ...) add to it.
    /// </param>
    public static VariablesReadResult Read(VariableSource variables, string? prefix, Func<string, string>? readFile, (string Key, string Value, SettingSource Source)? connectionString = null)
    {
        var problems = new ProblemList();
        var reader = new Reader(variables, prefix ?? string.Empty, readFile ?? SecretFileReader.Read, problems, connectionString);
        var result = reader.Run();
        problems.ThrowIfAny();
        return result;
    }

    private sealed class Reader(VariableSource variables, string prefix, Func<string, string> readFile, ProblemList problems, (string Key, string Value, SettingSource Source)? connectionString)
    {
        public VariablesReadResult Run()
        {
            var urlKey = connectionString?.Key ?? prefix + VariableNames.DatabaseUrl;
            var url = connectionString is { } given ? (given.Value, given.Source) : Lookup(VariableNames.DatabaseUrl);
            var discrete = new List<(string Name, string Keyword, string Value, SettingSource Source)>();
            foreach (var (name, keyword) in VariableNames.Discrete)
            {
                if (Lookup(name) is { } found)
                {
                    discrete.Add((prefix + name, keyword, found.Value, found.Source));
                }
            }

            ConnectionParameters parameters;
            if (url is { } urlValue)
            {
                var conflicting = discrete.Where(d => VariableNames.ConflictWithUrl.Contains(d.Name[prefix.Length..])).ToList();
                if (connectionString is not null && Lookup(VariableNames.DatabaseUrl) is { } alsoUrl)
                {
                    conflicting.Insert(0, (prefix + VariableNames.DatabaseUrl, "url", alsoUrl.Value, alsoUrl.Source));
                }

                if (conflicting.Count > 0)
                {
                    problems.Add(urlKey, urlValue.Source,
                        $"{urlKey} and {string.Join(", ", conflicting.Select(c => c.Name))} are all set, so it is unclear which to use " +
                        $"({string.Join(", ", conflicting.Select(c => c.Source.ToString()))}); keep either {urlKey} alone or the {prefix}DB_* variables without it");
                }

                parameters = ConnectionStringReader.Parse(urlValue.Value, urlKey, urlValue.Source, problems);
                foreach (var (name, keyword, value, source) in discrete.Except(conflicting))
                {
                    if (parameters.TryGet(keyword, out var fromUrl) && fromUrl.Value != value)
                    {
                        problems.Add(name, source, $"{name} and the {keyword} parameter of {urlKey} disagree; keep one of them");
                    }
                    else
                    {
                        parameters.SetIfMissing(keyword, value, source);
                    }
                }
            }
            else
            {
                parameters = new ConnectionParameters();
                foreach (var (name, keyword, value, source) in discrete)
                {
                    if (parameters.TryGet(keyword, out var earlier) && earlier.Value != value)
                    {
                        problems.Add(name, source, $"{name} and {earlier.Source.Name} both set the {keyword} and disagree ({earlier.Source}); keep one of them");
                        continue;
                    }

                    parameters.Set(keyword, value, source);
                }

                HostListSyntax.SplitEmbeddedPorts(parameters, problems);
            }

            var fromLibpqVariables = prefix.Length == 0 && AddLibpqVariables(parameters);
            if (prefix.Length == 0 && (url is not null || discrete.Count > 0 || fromLibpqVariables))
            {
                AddLibpqDefaultFiles(parameters);
            }
            if (url is null && discrete.Count == 0 && !fromLibpqVariables)
            {
                problems.Add(prefix + VariableNames.DatabaseUrl, null,
                    $"no PostgreSQL connection settings were found in {variables.Description}. Looked for {prefix}DATABASE_URL, {prefix}DATABASE_URL_FILE, " +
                    $"{prefix}DB_HOST, {prefix}DB_PORT, {prefix}DB_NAME, {prefix}DB_USER, {prefix}DB_PASSWORD (and {prefix}DB_PASSWORD_FILE)" +
                    (prefix.Length == 0 ? " and the libpq PG* variables (PGHOST, PGDATABASE, PGUSER, ...)" : string.Empty) +
                    $". Set {prefix}DATABASE_URL=postgresql://user:password@host:5432/dbname, or {prefix}DB_HOST, {prefix}DB_NAME, {prefix}DB_USER and {prefix}DB_PASSWORD, in the environment or in a .env file");
                return new VariablesReadResult(new ConnectionSettings(), url is not null);
            }

            var settings = ConnectionSettingsMapper.Map(parameters, problems);
            if (url is { Source.Kind: SettingSourceKind.SecretFile } fromFile)
            {
                // Re-read when the file changes, for the user name and password it holds.
                settings.UrlFile = fromFile.Source;
            }

            return new VariablesReadResult(settings.Build(), url is not null);
        }

        /// <summary>
        /// libpq's files in the home directory, read by the library (Npgsql is kept from reading them itself) so that
        /// settings show them with their source: <c>~/.pgpass</c> when no password is given, and the client certificate
        /// <c>~/.postgresql/postgresql.crt</c> with its key when none is given. Never with a prefix: like the <c>PG*</c>
        /// variables, they cannot say which database they are meant for.
        /// </summary>
        private void AddLibpqDefaultFiles(ConnectionParameters parameters)
        {
            if (Lookup("HOME") is not { } home || !Path.IsPathRooted(home.Value))
            {
                return;
            }

            var passfile = Path.Combine(home.Value, ".pgpass");
            if (!parameters.TryGet(LibpqKeyword.Password, out _) && File.Exists(passfile))
            {
                parameters.SetIfMissing(LibpqKeyword.PassFile, passfile, new SettingSource(SettingSourceKind.Default, LibpqKeyword.PassFile, "libpq default ~/.pgpass"));
            }

            var certificate = Path.Combine(home.Value, ".postgresql", "postgresql.crt");
            var key = Path.Combine(home.Value, ".postgresql", "postgresql.key");
            if (!parameters.TryGet(LibpqKeyword.SslCert, out _) && File.Exists(certificate) && File.Exists(key))
            {
                parameters.Set(LibpqKeyword.SslCert, certificate, new SettingSource(SettingSourceKind.Default, LibpqKeyword.SslCert, "libpq default ~/.postgresql/postgresql.crt"));
                parameters.SetIfMissing(LibpqKeyword.SslKey, key, new SettingSource(SettingSourceKind.Default, LibpqKeyword.SslKey, "libpq default ~/.postgresql/postgresql.key"));
            }
        }

        /// <summary>The libpq variables fill whatever is still missing, as libpq's <c>conninfo_add_defaults</c> does.</summary>
        private bool AddLibpqVariables(ConnectionParameters parameters)
        {
            var any = false;
            foreach (var definition in ConnectionParameterCatalog.All)
            {
                if (definition.EnvironmentVariable is not { } name || Lookup(name) is not { } found)
                {
                    continue;
                }

                any = true;
                if (definition.Support == ParameterSupport.NoNpgsqlEquivalent)
                {
                    problems.Add(name, found.Source, $"{name} sets the libpq parameter '{definition.Keyword}', which Npgsql cannot honour: {definition.Explanation}; unset {name}");
                    continue;
                }

                parameters.SetIfMissing(definition.Keyword, found.Value, found.Source);
            }

            return any;
        }

        /// <summary>The value of <c>prefix + name</c>, or of the file named by <c>prefix + name + _FILE</c>.</summary>
        private (string Value, SettingSource Source)? Lookup(string name)
        {
            var full = prefix + name;
            var hasValue = variables.TryGet(full, out var value, out var source);
            if (!VariableNames.FileCapable.Contains(name) || !variables.TryGet(full + VariableNames.FileSuffix, out var path, out var fileSource))
            {
                return hasValue ? (value, source) : null;
            }

            if (hasValue)
            {
                problems.Add(full, source, $"both {full} ({source}) and {full}{VariableNames.FileSuffix} ({fileSource}) are set; keep one of them");
                return null;
            }

            try
            {
                var content = readFile(path);

                // Secret files usually end with one newline that is not part of the value.
                content = content.EndsWith("\r\n", StringComparison.Ordinal) ? content[..^2]
                    : content.EndsWith('\n') ? content[..^1]
                    : content;
                return (content, new SettingSource(SettingSourceKind.SecretFile, full + VariableNames.FileSuffix, path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                var reason = e switch
                {
                    SecretFileException secret => secret.Message,
                    FileNotFoundException or DirectoryNotFoundException => "does not exist",
                    UnauthorizedAccessException => "cannot be read by this process (check its permissions)",
                    _ => $"cannot be read ({e.GetType().Name})",
                };
                problems.Add(full + VariableNames.FileSuffix, fileSource, $"{full}{VariableNames.FileSuffix} names the file '{path}', which {reason}; mount the secret there or fix the path");
                return null;
            }
        }
    }
}

/// <summary>The settings read from variables, and whether they came from a <c>DATABASE_URL</c>.</summary>
internal sealed record VariablesReadResult(ConnectionSettings Settings, bool FromUrl);
