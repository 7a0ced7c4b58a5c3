using PgSecureConnect.Fuzz;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>
/// Replays the fuzzing harness's seeds, the minimized corpus of past runs (tests/PgSecureConnect.Fuzz/corpus.txt) and
/// every past finding (findings.txt) through the harness's own properties: each input is read or refused with a
/// <see cref="ConnectionConfigurationException"/> only, no planted password shows in any message or rendering, and
/// accepted settings round-trip through <c>ToUrl(includePassword: true)</c>. So what the fuzzer learnt is checked on
/// every test run, without libFuzzer.
/// </summary>
public sealed class FuzzCorpusReplayTests : IDisposable
{
    private readonly Readers _readers = new();

    public static TheoryData<string> Corpora => new() { "seeds", "corpus.txt", "findings.txt" };

    [Theory]
    [MemberData(nameof(Corpora))]
    public void Every_input_holds_every_property(string corpus)
    {
        var inputs = corpus == "seeds"
            ? Seeds.All().ToList()
            : CorpusFile.Read(Path.Combine(RepositoryRoot.Find(), "tests", "PgSecureConnect.Fuzz", corpus)).ToList();

        var findings = new List<string>();
        foreach (var data in inputs)
        {
            var input = FuzzInput.Decode(data);
            try
            {
                foreach (var reading in _readers.For(input))
                {
                    Properties.Check(reading, input);
                }
            }
            catch (PropertyViolationException e)
            {
                findings.Add($"{Convert.ToBase64String(data)}: {input}\n  {e.Message}");
            }
        }

        inputs.Should().NotBeEmpty();
        findings.Should().BeEmpty();
    }

    [Fact]
    public void The_properties_catch_a_planted_password_that_leaks()
    {
        // If the properties stopped seeing a leak, every replay above would pass vacuously.
        var input = new FuzzInput(EntryPoint.Url, "S3nt1nel-Pa55w0rd", "postgresql://h/db");
        var leaking = new Reading("a reader that quotes the password", () => throw new ConnectionConfigurationException(
            [new ConfigurationProblem("host", null, "'S3nt1nel-Pa55w0rd' is not a host")]), PlantedSentinel: true, "postgresql://app:S3nt1nel-Pa55w0rd@h/db");

        var check = () => Properties.Check(leaking, input);

        check.Should().Throw<PropertyViolationException>().WithMessage("*reveals \"S3nt1\" of the planted password*");
    }

    public void Dispose() => _readers.Dispose();
}
