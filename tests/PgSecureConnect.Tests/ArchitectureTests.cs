using FluentAssertions;
using NetArchTest.Rules;

namespace PgSecureConnect.Tests;

/// <summary>
/// The arrows between the library's folders run one way (see <c>../shared/conventions.md</c>): <c>Internal</c> is a
/// leaf; <c>Parsing</c> and <c>Security</c> know nothing of each other or of what comes after them; <c>Diagnostics</c>
/// sees no connecting code; <c>Connecting</c> opens connections with all of those; <c>UnitsOfWork</c> retries work on
/// top of <c>Connecting</c>. The root namespace is the public vocabulary every
/// folder shares. Checked on the compiled assembly (NetArchTest reads the IL, method bodies included).
/// </summary>
public sealed class ArchitectureTests
{
    private const string Root = "PgSecureConnect";

    private static readonly string[] Folders = ["Internal", "Logging", "Parsing", "Security", "Diagnostics", "Credentials", "Connecting", "UnitsOfWork"];

    /// <summary>Each folder and the folders it may use.</summary>
    public static TheoryData<string, string[]> Allowed => new()
    {
        { "Internal", [] },
        { "Logging", [] },
        { "Parsing", ["Internal"] },
        { "Security", ["Internal"] },
        { "Diagnostics", ["Internal", "Security"] },
        { "Credentials", ["Internal", "Logging", "Parsing", "Security", "Diagnostics"] },
        { "Connecting", ["Internal", "Logging", "Parsing", "Security", "Diagnostics", "Credentials"] },
        { "UnitsOfWork", ["Internal", "Logging", "Parsing", "Security", "Diagnostics", "Credentials", "Connecting"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void A_folder_uses_only_the_folders_below_it(string folder, string[] allowed)
    {
        var forbidden = Folders.Except(allowed).Where(f => f != folder).Select(f => $"{Root}.{f}").ToArray();

        var result = Types.InAssembly(typeof(ConnectionSettings).Assembly)
            .That().ResideInNamespace($"{Root}.{folder}")
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();

        result.IsSuccessful.Should().BeTrue(
            $"{Root}.{folder} may use only {(allowed.Length == 0 ? "the root namespace" : string.Join(", ", allowed))}, but these types use one of {string.Join(", ", forbidden)}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Every_folder_of_the_library_has_a_rule()
    {
        var namespaces = typeof(ConnectionSettings).Assembly.GetTypes()
            .Select(t => t.Namespace)
            .Where(n => n is not null && n.StartsWith(Root + ".", StringComparison.Ordinal))
            .Select(n => n![(Root.Length + 1)..].Split('.')[0])
            .Distinct();

        namespaces.Should().BeSubsetOf(Folders, "a new folder needs its place in the arrows above");
    }

    [Fact]
    public void The_check_sees_a_dependency_that_exists()
    {
        // The opener checks the server's role after a pooled open (SessionTargetCheck): if the check stopped seeing such
        // a dependency, every rule above would pass vacuously.
        var result = Types.InAssembly(typeof(ConnectionSettings).Assembly)
            .That().ResideInNamespace($"{Root}.Connecting")
            .ShouldNot().HaveDependencyOn($"{Root}.Connecting.SessionTargetCheck")
            .GetResult();

        result.IsSuccessful.Should().BeFalse();
        result.FailingTypeNames.Should().Contain($"{Root}.Connecting.FailoverConnectionOpener");
    }
}
