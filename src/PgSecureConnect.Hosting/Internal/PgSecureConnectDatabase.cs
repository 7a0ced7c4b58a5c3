using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// One registered database inside one service provider: builds its <see cref="IConnectionFactory"/> on first use
/// (at the latest when the host starts), from the provider's <see cref="IConfiguration"/> with <c>.env</c> (in the
/// host's content root) layered underneath, and owns it. A failed build is not cached: it throws <see cref="ConnectionConfigurationException"/>
/// listing every problem of the options and of the connection settings, each time it is asked for.
/// </summary>
internal sealed class PgSecureConnectDatabase(IServiceProvider services, PgSecureConnectRegistration registration) : IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private IConnectionFactory? _factory;
    private PgSecureConnectHostingOptions? _hosting;
    private bool _disposed;

    public PgSecureConnectRegistration Registration { get; } = registration;

    /// <summary>The health probe shared by every health check run of this database.</summary>
    public PgSecureConnectHealthCheck.SharedProbe HealthProbe { get; } = new();

    public IConnectionFactory Factory
    {
        get
        {
            Build();
            return _factory!;
        }
    }

    public PgSecureConnectHostingOptions Hosting
    {
        get
        {
            Build();
            return _hosting!;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _factory?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        if (_factory is not null)
        {
            await _factory.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Build()
    {
        if (Volatile.Read(ref _factory) is not null)
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_factory is not null)
            {
                return;
            }

            var directory = services.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
            var (factory, hosting) = Create(services.GetRequiredService<IConfiguration>(), Registration, directory, services.GetService<ILoggerFactory>(), services.GetService<TimeProvider>());
            _hosting = hosting;
            Volatile.Write(ref _factory, factory);
        }
    }

    /// <summary>Reads the options and the settings for <paramref name="registration"/> and creates its factory, or throws every problem found.</summary>
    internal static (IConnectionFactory Factory, PgSecureConnectHostingOptions Hosting) Create(
        IConfiguration configuration, PgSecureConnectRegistration registration, string directory, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        var problems = new ProblemList();
        var options = new ConnectionFactoryOptions
        {
            Name = registration.Name,
            LoggerFactory = loggerFactory,
            TimeProvider = timeProvider ?? TimeProvider.System,
        };
        var hosting = new PgSecureConnectHostingOptions();
        new PgSecureConnectSectionReader(configuration, registration.Name, problems).Read(options, hosting);
        registration.Configure?.Invoke(options);
        registration.ConfigureHosting?.Invoke(hosting);

        // Where the settings are read is this registration's business, not the delegate's.
        options.ConnectionStringName = registration.Name;
        options.VariablePrefix = HostingDefaults.VariablePrefixFor(registration.Name);
        PgSecureConnectSectionReader.Validate(options, hosting, problems);
        if (problems.HasProblems)
        {
            // Still read the connection settings, with the invalid options at their defaults, so one start lists every problem.
            options.SslPolicy = Enum.IsDefined(options.SslPolicy) ? options.SslPolicy : SslPolicy.RequireEncryption;
            options.Retry = options.Retry is { } retry && !retry.Validate().Any() ? retry : RetryPolicy.Default;
            options.MaxPoolSize = options.MaxPoolSize < 1 ? null : options.MaxPoolSize;
            options.MinPoolSize = options.MinPoolSize < 0 ? null : options.MinPoolSize;
        }

        IConnectionFactory? factory = null;
        try
        {
            var layered = DotEnvLayer.Below(configuration, options.EnvFilePath, directory, problems);
            if (layered is not null)
            {
                factory = ConnectionFactory.FromConfiguration(layered, options);
            }
        }
        catch (ConnectionConfigurationException e)
        {
            foreach (var problem in e.Problems)
            {
                problems.Add(problem.Key, problem.Source, problem.Message);
            }
        }

        if (problems.HasProblems)
        {
            factory?.Dispose();
            problems.ThrowIfAny();
        }

        return (factory!, hosting);
    }
}
