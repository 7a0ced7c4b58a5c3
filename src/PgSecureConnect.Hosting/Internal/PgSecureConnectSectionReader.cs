using System.Globalization;
using Microsoft.Extensions.Configuration;
using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// Binds <see cref="ConnectionFactoryOptions"/> and <see cref="PgSecureConnectHostingOptions"/> from the sections
/// <c>PgSecureConnect</c> and <c>PgSecureConnect:{name}</c> (the named one winning), key by key. Unlike reflection
/// binding it never accepts what it does not understand: an unknown key, a number where an <see cref="SslPolicy"/> name
/// belongs (an undefined policy must never weaken the checks) or a malformed duration is a problem, and every problem
/// is collected. An invalid value leaves the default in place so the remaining settings can still be checked.
/// </summary>
internal sealed class PgSecureConnectSectionReader
{
    private static readonly string[] OptionKeys =
    [
        "SslPolicy", "Retry", "MaxPoolSize", "MinPoolSize", "ConnectionIdleLifetime", "ConnectionLifetime", "ApplicationName",
        "EnvFilePath", "Name", "TraceEveryOpen", "DisableHealthChecks", "HealthCheckTags", "HealthCheckTimeout",
        "HealthCheckCacheDuration", "CertificateExpiryWarning", "DisableTracing", "DisableMetrics", "WarmUpOnStart",
    ];

    private static readonly string[] RetryKeys = ["MaxAttempts", "BaseDelay", "MaxDelay", "OverallTimeout", "ConnectTimeout", "HostRecheckInterval"];

    private readonly IConfigurationSection _root;
    private readonly IConfigurationSection _named;
    private readonly ProblemList _problems;

    public PgSecureConnectSectionReader(IConfiguration configuration, string name, ProblemList problems)
    {
        _root = configuration.GetSection(HostingDefaults.SectionName);
        _named = _root.GetSection(name);
        _problems = problems;
    }

    public void Read(ConnectionFactoryOptions options, PgSecureConnectHostingOptions hosting)
    {
        CheckUnknownKeys();

        ReadValue<SslPolicy>("SslPolicy", value => Enum.TryParse<SslPolicy>(value, ignoreCase: true, out var policy) && !int.TryParse(value, out _) && Enum.IsDefined(policy) ? policy : null,
            "must be RequireEncryption, VerifyFull or AllowInsecure", policy => options.SslPolicy = policy);

        var retry = options.Retry;
        ReadValue("Retry:MaxAttempts", ParsePositiveInt, "must be a whole number of at least 1", v => retry = Copy(retry, maxAttempts: v));
        ReadValue("Retry:BaseDelay", ParseDuration, "must be a duration such as 00:00:00.050", v => retry = Copy(retry, baseDelay: v));
        ReadValue("Retry:MaxDelay", ParseDuration, "must be a duration such as 00:00:01", v => retry = Copy(retry, maxDelay: v));
        ReadValue("Retry:OverallTimeout", ParseTimeout, "must be a duration such as 00:00:30, or Infinite", v => retry = Copy(retry, overallTimeout: v));
        ReadValue("Retry:ConnectTimeout", ParseTimeout, "must be a duration such as 00:00:10, or Infinite", v => retry = Copy(retry, connectTimeout: v));
        ReadValue("Retry:HostRecheckInterval", ParseDuration, "must be a duration such as 00:00:10", v => retry = Copy(retry, hostRecheckInterval: v));
        options.Retry = retry;

        ReadValue("MaxPoolSize", ParsePositiveInt, "must be a whole number of at least 1", v => options.MaxPoolSize = v);
        ReadValue("MinPoolSize", ParseNonNegativeInt, "must be a whole number of at least 0", v => options.MinPoolSize = v);
        ReadValue("ConnectionIdleLifetime", ParseDuration, "must be a duration such as 00:05:00", v => options.ConnectionIdleLifetime = v);
        ReadValue("ConnectionLifetime", ParseDuration, "must be a duration such as 01:00:00", v => options.ConnectionLifetime = v);
        ReadString("ApplicationName", v => options.ApplicationName = v);
        ReadString("EnvFilePath", v => options.EnvFilePath = v);
        ReadString("Name", v => options.Name = v);
        ReadValue("TraceEveryOpen", ParseBool, "must be true or false", v => options.TraceEveryOpen = v);

        ReadValue("DisableHealthChecks", ParseBool, "must be true or false", v => hosting.DisableHealthChecks = v);
        ReadValue("HealthCheckTimeout", ParseDuration, "must be a duration such as 00:00:05", v => hosting.HealthCheckTimeout = v);
        ReadValue("HealthCheckCacheDuration", ParseDuration, "must be a duration such as 00:00:02", v => hosting.HealthCheckCacheDuration = v);
        ReadValue("CertificateExpiryWarning", ParseDuration, "must be a duration such as 14.00:00:00", v => hosting.CertificateExpiryWarning = v);
        ReadValue("DisableTracing", ParseBool, "must be true or false", v => hosting.DisableTracing = v);
        ReadValue("DisableMetrics", ParseBool, "must be true or false", v => hosting.DisableMetrics = v);
        ReadValue("WarmUpOnStart", ParseBool, "must be true or false", v => hosting.WarmUpOnStart = v);

        ReadTags(hosting);
    }

    private void ReadTags(PgSecureConnectHostingOptions hosting)
    {
        var tags = _named.GetSection("HealthCheckTags").GetChildren().ToList();
        if (tags.Count == 0)
        {
            tags = _root.GetSection("HealthCheckTags").GetChildren().ToList();
        }

        foreach (var tag in tags.Where(t => !string.IsNullOrWhiteSpace(t.Value)))
        {
            hosting.HealthCheckTags.Add(tag.Value!);
        }
    }

    /// <summary>The switches needed while registering (before the host is built): read leniently, <see cref="Read"/> reports bad values at start.</summary>
    public static PgSecureConnectHostingOptions ReadRegistrationSwitches(IConfiguration configuration, string name)
    {
        var hosting = new PgSecureConnectHostingOptions();
        var reader = new PgSecureConnectSectionReader(configuration, name, new ProblemList());
        reader.ReadValue("DisableHealthChecks", ParseBool, string.Empty, v => hosting.DisableHealthChecks = v);
        reader.ReadValue("DisableTracing", ParseBool, string.Empty, v => hosting.DisableTracing = v);
        reader.ReadValue("DisableMetrics", ParseBool, string.Empty, v => hosting.DisableMetrics = v);
        reader.ReadTags(hosting);
        return hosting;
    }

    /// <summary>Checks what code (the configure delegates) and configuration produced together.</summary>
    public static void Validate(ConnectionFactoryOptions options, PgSecureConnectHostingOptions hosting, ProblemList problems)
    {
        var code = new SettingSource(SettingSourceKind.Policy, "options", "AddPgSecureConnect");
        if (!Enum.IsDefined(options.SslPolicy))
        {
            problems.Add("SslPolicy", code, $"SslPolicy {(int)options.SslPolicy} is not a defined policy; use SslPolicy.RequireEncryption, VerifyFull or AllowInsecure");
        }

        if (options.Retry is null)
        {
            problems.Add("Retry", code, "Retry is null; leave it at RetryPolicy.Default or set a RetryPolicy");
        }
        else
        {
            foreach (var message in options.Retry.Validate())
            {
                problems.Add("Retry", code, message);
            }
        }

        if (options.MaxPoolSize < 1)
        {
            problems.Add("MaxPoolSize", code, $"MaxPoolSize must be at least 1; it is {options.MaxPoolSize}");
        }

        if (options.MinPoolSize < 0)
        {
            problems.Add("MinPoolSize", code, $"MinPoolSize must not be negative; it is {options.MinPoolSize}");
        }

        if (hosting.HealthCheckTimeout <= TimeSpan.Zero)
        {
            problems.Add("HealthCheckTimeout", code, $"HealthCheckTimeout must be positive; it is {hosting.HealthCheckTimeout}");
        }

        if (hosting.HealthCheckCacheDuration < TimeSpan.Zero)
        {
            problems.Add("HealthCheckCacheDuration", code, $"HealthCheckCacheDuration must not be negative; it is {hosting.HealthCheckCacheDuration}");
        }

        if (hosting.CertificateExpiryWarning < TimeSpan.Zero)
        {
            problems.Add("CertificateExpiryWarning", code, $"CertificateExpiryWarning must not be negative; it is {hosting.CertificateExpiryWarning}");
        }
    }

    private void CheckUnknownKeys()
    {
        foreach (var child in _named.GetChildren())
        {
            if (!OptionKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                Unknown(child);
            }
        }

        // At the root, a key with children may be the section of another database; a plain value must be an option.
        foreach (var child in _root.GetChildren())
        {
            if (child.Value is not null && !OptionKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                Unknown(child);
            }
        }

        foreach (var section in new[] { _root, _named })
        {
            foreach (var child in section.GetSection("Retry").GetChildren())
            {
                if (!RetryKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                {
                    _problems.Add(child.Path, Source(child.Path), $"{child.Path} is not a retry setting; use one of {string.Join(", ", RetryKeys)}");
                }
            }
        }

        void Unknown(IConfigurationSection child)
            => _problems.Add(child.Path, Source(child.Path),
                $"{child.Path} is not a PgSecureConnect setting; use one of {string.Join(", ", OptionKeys)} (Retry:{string.Join("|", RetryKeys)})");
    }

    private void ReadValue<T>(string key, Func<string, T?> parse, string rule, Action<T> apply)
        where T : struct
    {
        if (Find(key) is not { } found)
        {
            return;
        }

        if (parse(found.Value) is { } value)
        {
            apply(value);
        }
        else
        {
            _problems.Add(found.Path, Source(found.Path), $"{found.Path} is '{found.Value}', but it {rule}");
        }
    }

    private void ReadString(string key, Action<string> apply)
    {
        if (Find(key) is { } found)
        {
            apply(found.Value);
        }
    }

    private (string Path, string Value)? Find(string key)
    {
        foreach (var section in new[] { _named, _root })
        {
            var value = section[key];
            if (!string.IsNullOrWhiteSpace(value))
            {
                return (section.Path + ":" + key, value.Trim());
            }
        }

        return null;
    }

    private static SettingSource Source(string path) => new(SettingSourceKind.Configuration, path);

    private static int? ParsePositiveInt(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;

    private static int? ParseNonNegativeInt(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static bool? ParseBool(string value) => bool.TryParse(value, out var b) ? b : null;

    private static TimeSpan? ParseDuration(string value)
        => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;

    private static TimeSpan? ParseTimeout(string value)
        => string.Equals(value, "Infinite", StringComparison.OrdinalIgnoreCase) ? Timeout.InfiniteTimeSpan : ParseDuration(value);

    private static RetryPolicy Copy(RetryPolicy p, int? maxAttempts = null, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null,
        TimeSpan? overallTimeout = null, TimeSpan? connectTimeout = null, TimeSpan? hostRecheckInterval = null) => new()
    {
        MaxAttempts = maxAttempts ?? p.MaxAttempts,
        BaseDelay = baseDelay ?? p.BaseDelay,
        MaxDelay = maxDelay ?? p.MaxDelay,
        OverallTimeout = overallTimeout ?? p.OverallTimeout,
        ConnectTimeout = connectTimeout ?? p.ConnectTimeout,
        HostRecheckInterval = hostRecheckInterval ?? p.HostRecheckInterval,
    };
}
