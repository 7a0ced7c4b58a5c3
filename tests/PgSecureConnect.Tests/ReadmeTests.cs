namespace PgSecureConnect.Tests;

/// <summary>
/// Every C# block of README.md and docs/*.md is compiled: it must appear, line for line, in ReadmeSnippets.cs (or, for the
/// Testcontainers fixture, in the container tests' ReadmeExample.cs, and for the credential recipes in the integration
/// tests' CredentialRecipes.cs, where they run against real servers).
/// </summary>
public class ReadmeTests
{
    /// <summary>Where the README's blocks are compiled: most in this project; the Testcontainers fixture in the container tests, which run it.</summary>
    private static readonly string[] SnippetFiles =
    [
        Path.Combine("tests", "PgSecureConnect.Tests", "ReadmeSnippets.cs"),
        Path.Combine("tests", "PgSecureConnect.ContainerTests", "Readme", "ReadmeExample.cs"),
        Path.Combine("tests", "PgSecureConnect.IntegrationTests", "Readme", "CredentialRecipes.cs"),
    ];

    [Fact]
    public void Every_csharp_block_of_the_readme_and_the_docs_is_in_the_compiled_snippets_file()
    {
        var root = RepositoryRoot.Find();
        var documents = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md")).ToList();
        var snippets = Normalize(string.Join('\n', SnippetFiles.Select(file => File.ReadAllText(Path.Combine(root, file)))));
        var blocks = documents
            .SelectMany(document => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(document), "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline))
            .Select(m => m.Groups[1].Value)
            .ToList();

        documents.Should().HaveCountGreaterThanOrEqualTo(4, "the reference lives in docs/, linked from the README");
        blocks.Should().HaveCountGreaterThanOrEqualTo(4);
        foreach (var block in blocks)
        {
            var code = Normalize(string.Join('\n', block.Split('\n').Where(line => !line.StartsWith("using ", StringComparison.Ordinal))));
            snippets.Should().Contain(code, "README blocks must compile; copy the changed block into tests/PgSecureConnect.Tests/ReadmeSnippets.cs (the Testcontainers fixture: into tests/PgSecureConnect.ContainerTests/Readme/ReadmeExample.cs, where it also runs)");
        }
    }

    [Fact]
    public void First_screen_shows_the_two_commands_and_a_short_example()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "README.md"));
        var firstScreen = readme[..readme.IndexOf("\n---", StringComparison.Ordinal)];

        firstScreen.Should().Contain("dotnet run --project samples/PgSecureConnect.Sample").And.Contain("dotnet test").And.Contain("dotnet add package PgSecureConnect");
        firstScreen.Should().Contain("dotnet add package PgSecureConnect.Hosting").And.Contain("builder.AddPgSecureConnect();");
        var example = System.Text.RegularExpressions.Regex.Match(firstScreen, "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        example.TrimEnd().Split('\n').Length.Should().BeLessThanOrEqualTo(10);
    }

    [Fact]
    public void Readme_fits_a_screen_and_links_every_reference_page()
    {
        var root = RepositoryRoot.Find();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));

        System.Text.Encoding.UTF8.GetByteCount(readme).Should().BeLessThanOrEqualTo(10 * 1024);
        foreach (var page in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Select(Path.GetFileName))
        {
            readme.Should().Contain($"(docs/{page}", $"docs/{page} must be reachable from the README");
        }
    }

    private static string Normalize(string text)
        => string.Join('\n', text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
}
