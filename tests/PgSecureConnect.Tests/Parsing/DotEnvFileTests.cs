using PgSecureConnect.Internal;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class DotEnvFileTests
{
    private const string Sentinel = "S3nt1nel-Pa55w0rd";

    [Theory]
    [InlineData("A=1\nB=2", "A=1|B=2")]
    [InlineData("A=", "A=")]
    [InlineData("A=x\nB=$A", "A=x|B=x")]
    [InlineData("# comment\nA=x\nB=$A", "A=x|B=x")]
    [InlineData("\nA=x\nB=${A}", "A=x|B=x")]
    [InlineData("A='lit $X'", "A=lit $X")]
    [InlineData("A='x\nB=$C'", "A=x\nB=$C")]
    [InlineData("A='x'\nB=v\nC=$B", "A=x|B=v|C=v")]
    [InlineData("B=v\nA=\"x #$B\"", "B=v|A=x #v")]
    [InlineData("B=v\nA=\"a\\\"$B\"", "B=v|A=a\"v")]
    [InlineData("B=v\nA=a#$B", "B=v|A=a#v")]
    [InlineData("B=v\nA=a# $B", "B=v|A=a# v")]
    [InlineData("B=v\nA=a $B", "B=v|A=a v")]
    [InlineData("B=v\nA=a$B", "B=v|A=av")]
    [InlineData("B=v\nA=x #$B", "B=v|A=x")]
    [InlineData("B=v\nA=x$B-y$B", "B=v|A=xv-yv")]
    [InlineData("B=v\nA=$B-tail", "B=v|A=v-tail")]
    [InlineData("A=$OUT", "A=outside")]
    [InlineData("OUT=file\nA=$OUT", "OUT=file|A=outside")]
    public void Reads_pairs_and_resolves_references_in_file_order(string content, string expected)
    {
        using var file = new TempFile(content, ".env");
        var problems = new ProblemList();

        var pairs = DotEnvFile.Read(file.Path, name => name == "OUT" ? "outside" : null, problems);

        problems.HasProblems.Should().BeFalse();
        string.Join("|", pairs!.Select(p => $"{p.Key}={p.Value}")).Should().Be(expected);
    }

    [Fact]
    public void A_missing_file_gives_null()
    {
        var problems = new ProblemList();
        var directory = Directory.CreateTempSubdirectory("pgsecure-tests-").FullName;
        try
        {
            DotEnvFile.Read(Path.Combine(directory, ".env"), _ => null, problems).Should().BeNull();
            problems.HasProblems.Should().BeFalse();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("A=\"abc")]
    [InlineData("A='abc")]
    [InlineData("A=\"a\\")]
    [InlineData("A=1\nB=\"" + Sentinel)]
    public void Unparsable_file_is_reported_by_position_only(string content)
    {
        using var file = new TempFile(content, ".env");
        var problems = new ProblemList();

        DotEnvFile.Read(file.Path, _ => null, problems).Should().BeEmpty();

        var problem = SingleProblem(problems);
        problem.Key.Should().Be(".env");
        problem.Source.Should().Be(new SettingSource(SettingSourceKind.DotEnvFile, ".env", file.Path));
        problem.Message.Should().MatchRegex($"^{System.Text.RegularExpressions.Regex.Escape(file.Path)} cannot be parsed at line [0-9]+, column [0-9]+; every line must be KEY=value, a comment starting with #, or empty \\(quote values with spaces or #: KEY=\"a b\"\\)$");
        problem.Message.Should().NotContain(Sentinel);
    }

    [Fact]
    public void Undecodable_escape_is_reported_with_the_fix()
    {
        using var file = new TempFile("A=\"\\777\"", ".env");
        var problems = new ProblemList();

        DotEnvFile.Read(file.Path, _ => null, problems).Should().BeEmpty();

        SingleProblem(problems).Should().Be(new ConfigurationProblem(
            ".env",
            new SettingSource(SettingSourceKind.DotEnvFile, ".env", file.Path),
            $"{file.Path} cannot be parsed: a double-quoted value holds an escape sequence that cannot be decoded (an octal \\NNN above \\377, say); " +
            "write literal text in single quotes (KEY='a\\b') or escape the backslash (\\\\)"));
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_reported()
    {
        using var file = new TempFile("A=1", ".env");
        var problems = new ProblemList();

        using (new FileStream(file.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            DotEnvFile.Read(file.Path, _ => null, problems).Should().BeEmpty();
        }

        SingleProblem(problems).Should().Be(new ConfigurationProblem(
            ".env",
            new SettingSource(SettingSourceKind.DotEnvFile, ".env", file.Path),
            $"{file.Path} exists but cannot be read (IOException); check its permissions"));
    }

    [Theory]
    [InlineData("DATABASE_URL")]
    [InlineData("APP_DATABASE_URL")]
    [InlineData("APP_DB_HOST")]
    [InlineData("PGHOST")]
    public void Conflicting_duplicates_of_connection_variables_are_reported(string key)
    {
        using var file = new TempFile($"{key}=1\n{key}=2\n", ".env");
        var problems = new ProblemList();

        DotEnvFile.Read(file.Path, _ => null, problems);

        SingleProblem(problems).Should().Be(new ConfigurationProblem(
            key, new SettingSource(SettingSourceKind.DotEnvFile, key, file.Path), $"{key} is defined more than once in {file.Path} with different values; keep one line"));
    }

    [Theory]
    [InlineData("OTHER=1\nOTHER=2\n")]
    [InlineData("APP_HOST=1\nAPP_HOST=2\n")]
    [InlineData("DB_HOST=1\nDB_HOST=1\n")]
    [InlineData("OTHER=$UNDEFINED\n")]
    public void Other_variables_and_identical_duplicates_are_not_reported(string content)
    {
        using var file = new TempFile(content, ".env");
        var problems = new ProblemList();

        DotEnvFile.Read(file.Path, _ => null, problems);

        problems.HasProblems.Should().BeFalse();
    }

    [Fact]
    public void Undefined_reference_is_reported_at_the_line_of_the_first_one()
    {
        using var file = new TempFile("A=1\nDB_PASSWORD=\"x$U1\n$U2\"\n", ".env");
        var problems = new ProblemList();

        var pairs = DotEnvFile.Read(file.Path, _ => null, problems);

        pairs.Should().Contain(new KeyValuePair<string, string>("DB_PASSWORD", "x\n"));
        SingleProblem(problems).Should().Be(new ConfigurationProblem(
            "DB_PASSWORD",
            new SettingSource(SettingSourceKind.DotEnvFile, "DB_PASSWORD", file.Path),
            $"line 2 of {file.Path} contains a '$' that .env files expand as a variable reference, but no variable of that name is defined in the environment or earlier in the file, so part of the value would silently disappear; " +
            "if the '$' is part of the value (a password, say), wrap the whole value in single quotes: DB_PASSWORD='...'"));
    }

    private static ConfigurationProblem SingleProblem(ProblemList problems)
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        return exception.Problems.Should().ContainSingle().Subject;
    }
}
