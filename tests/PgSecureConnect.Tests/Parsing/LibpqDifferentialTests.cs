using PgSecureConnect.Parsing;
using PgSecureConnect.Tests.Parsing.Libpq;
using Xunit.Abstractions;

namespace PgSecureConnect.Tests.Parsing;

/// <summary>
/// Differential tests: PgSecureConnect's libpq-level parse (<see cref="ConnectionStringReader.Parse"/>) against the real
/// libpq's <c>PQconninfoParse</c> (libpq.so.5, PostgreSQL 15). When libpq succeeds we must succeed with exactly the
/// same keyword → value pairs; when libpq fails we must fail (messages may differ). The only allowed differences are
/// the documented ones of <see cref="Divergence"/>, asserted on their own in
/// <see cref="Differs_from_libpq_only_as_documented"/>:
/// (a) keywords newer than libpq 15 and our extensions, which libpq 15 rejects and we accept;
/// (b) URLs where libpq silently mis-reads a password (a second '@', a '/' in the password, a '?' in the user part), which we reject;
/// (c) percent-decoded bytes that are not UTF-8, which libpq passes through and we reject;
/// (d) blank strings, which libpq reads as "no settings" and we report as empty.
/// If libpq.so.5 cannot be loaded these tests fail with the hint to install libpq5.
/// </summary>
public class LibpqDifferentialTests(ITestOutputHelper output)
{
    private const int RandomUrlSeed = 15_2026;
    private const int RandomUrlCount = 500;
    private const int RandomKeywordValueSeed = 5432;
    private const int RandomKeywordValueCount = 200;

    public static TheoryData<string> AgreeingInputs => new(DifferentialCorpus.Agreeing);

    public static TheoryData<string, Divergence, string?> DivergentInputs
    {
        get
        {
            var data = new TheoryData<string, Divergence, string?>();
            foreach (var (input, kind, forLibpq) in DifferentialCorpus.Divergent)
            {
                data.Add(input, kind, forLibpq);
            }

            return data;
        }
    }

    public static TheoryData<string, string> RandomUrls => ToTheoryData(RandomConnectionStrings.Urls(RandomUrlSeed, RandomUrlCount));

    public static TheoryData<string, string> RandomKeywordValueStrings
        => ToTheoryData(RandomConnectionStrings.KeywordValueStrings(RandomKeywordValueSeed, RandomKeywordValueCount));

    [Fact]
    public void Libpq_can_be_loaded()
    {
        LibpqNative.LoadError.Should().BeNull();
        output.WriteLine($"libpq version {LibpqNative.Version}");
        LibpqNative.Version.Should().BeGreaterThanOrEqualTo(150000, "the expectations were written against libpq 15");
    }

    [Fact]
    public void Tables_are_large_and_free_of_duplicates()
    {
        var all = DifferentialCorpus.Agreeing.Concat(DifferentialCorpus.Divergent.Select(d => d.Input)).ToList();
        all.Count.Should().BeGreaterThanOrEqualTo(150);
        all.Should().OnlyHaveUniqueItems();
        all.Should().NotContain(input => input.Contains(';', StringComparison.Ordinal), "';' makes an input an Npgsql connection string");
        RandomConnectionStrings.Urls(RandomUrlSeed, RandomUrlCount).Select(u => u.Input).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [MemberData(nameof(AgreeingInputs))]
    public void Parses_exactly_like_libpq(string input)
    {
        DivergenceClassifier.ClassifyUrl(input).Should().Be(Divergence.None, "rows of the agreement table must not fall under a documented divergence");

        var libpq = LibpqNative.Parse(input);
        var ours = OurParse.Of(input);

        AssertSameOutcome(input, libpq.Values, libpq.Error, ours);
        if (ours.Values is { } values)
        {
            AssertFromUrlFailsOnlyForParameterValues(input, values);
        }
    }

    [Theory]
    [MemberData(nameof(DivergentInputs))]
    public void Differs_from_libpq_only_as_documented(string input, Divergence kind, string? forLibpq)
    {
        var libpq = LibpqNative.Parse(input);
        var ours = OurParse.Of(input);
        var context = Describe(input, libpq, ours);

        if (kind == Divergence.NewerKeyword)
        {
            ours.Succeeded.Should().BeTrue($"we accept newer keywords and our extensions. {context}");
            var keyword = ours.Values!.Keys.Single(NewerKeywords.IntroducedIn.ContainsKey);
            if (LibpqNative.Version < NewerKeywords.IntroducedIn[keyword])
            {
                libpq.Succeeded.Should().BeFalse($"libpq {LibpqNative.Version} predates '{keyword}'. {context}");
                libpq.Error.Should().Contain($"\"{keyword}\"");
            }
            else
            {
                // A libpq new enough to know the keyword: the divergence disappears and we must agree.
                AssertSameOutcome(input, libpq.Values, libpq.Error, ours);
            }

            forLibpq.Should().NotBeNull();
            var standIn = LibpqNative.Parse(forLibpq!);
            standIn.Succeeded.Should().BeTrue($"apart from the keyword the input is valid for libpq: {standIn}");
            var expected = standIn.Values!.ToDictionary(p => p.Key == DifferentialCorpus.StandIn ? keyword : p.Key, p => p.Value, StringComparer.Ordinal);
            Display.Dictionary(ours.Values!).Should().Be(Display.Dictionary(expected), $"apart from the keyword we must read what libpq reads. {context}");
            return;
        }

        DivergenceClassifier.ClassifyUrl(input).HasFlag(kind).Should().BeTrue($"the row is filed under {kind}");
        libpq.Succeeded.Should().BeTrue($"the point of the divergence is that libpq accepts this silently. {context}");
        ours.Succeeded.Should().BeFalse($"we refuse what libpq mis-reads. {context}");
        ours.Problems.Should().Contain(p => DivergenceClassifier.Explains(kind, p), $"one problem must name the {kind} ambiguity. {context}");
        var kinds = DivergenceClassifier.ClassifyUrl(input);
        ours.Problems.Should().OnlyContain(p => DivergenceClassifier.ExplainedByAny(kinds, p), $"libpq accepts everything else. {context}");

        // Show what libpq actually does with it.
        var values = libpq.Values!;
        switch (kind)
        {
            case Divergence.AtInAuthority:
                values.Should().ContainKey("host").WhoseValue.Should().Contain("@", "libpq takes the rest after the first '@' as the host");
                break;
            case Divergence.SlashInPassword:
                values.Should().NotContainKey("password", "libpq sees no user information at all");
                values.Should().ContainKey("dbname").WhoseValue.Should().Contain("@");
                break;
            case Divergence.QuestionMarkInUser:
                (values.GetValueOrDefault("user", string.Empty) + values.GetValueOrDefault("password", string.Empty))
                    .Should().Contain("?", "libpq reads the query string as the user name and password");
                break;
            case Divergence.InvalidUtf8:
                libpq.InvalidUtf8Keywords.Should().NotBeEmpty("libpq passes the decoded bytes through");
                break;
            case Divergence.Blank:
                values.Should().BeEmpty("libpq reads a blank string as no settings at all");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(RandomUrls))]
    public void Random_url_parses_like_libpq(string input, string forLibpq) => AssertAgreesOrDivergesAsDocumented(input, forLibpq);

    [Theory]
    [MemberData(nameof(RandomKeywordValueStrings))]
    public void Random_keyword_value_string_parses_like_libpq(string input, string forLibpq) => AssertAgreesOrDivergesAsDocumented(input, forLibpq);

    [Fact]
    public void Random_inputs_exercise_both_outcomes_and_every_divergence()
    {
        var urls = RandomConnectionStrings.Urls(RandomUrlSeed, RandomUrlCount).ToList();
        var keywordValue = RandomConnectionStrings.KeywordValueStrings(RandomKeywordValueSeed, RandomKeywordValueCount).ToList();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (input, forLibpq) in urls.Concat(keywordValue))
        {
            var libpq = LibpqNative.Parse(forLibpq);
            Count(libpq.Succeeded ? "libpq accepts" : "libpq rejects");
            if (input != forLibpq)
            {
                Count(nameof(Divergence.NewerKeyword));
            }

            var kinds = DivergenceClassifier.ClassifyUrl(input);
            foreach (var kind in Enum.GetValues<Divergence>().Where(k => k != Divergence.None && kinds.HasFlag(k)))
            {
                Count(kind + (libpq.Succeeded ? " (libpq accepts)" : " (libpq rejects)"));
            }
        }

        foreach (var (name, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{name}: {count}");
        }

        counts.GetValueOrDefault("libpq accepts").Should().BeGreaterThanOrEqualTo(100);
        counts.GetValueOrDefault("libpq rejects").Should().BeGreaterThanOrEqualTo(100);
        counts.GetValueOrDefault(nameof(Divergence.NewerKeyword)).Should().BeGreaterThanOrEqualTo(10);
        foreach (var kind in new[] { Divergence.AtInAuthority, Divergence.SlashInPassword, Divergence.QuestionMarkInUser, Divergence.InvalidUtf8 })
        {
            counts.GetValueOrDefault(kind + " (libpq accepts)").Should().BeGreaterThanOrEqualTo(1, $"the random URLs should reach {kind}");
        }

        void Count(string name) => counts[name] = counts.GetValueOrDefault(name) + 1;
    }

    [Fact]
    public void Every_libpq_keyword_is_read_like_libpq()
    {
        var keywords = LibpqNative.Keywords();
        keywords.Should().Contain(["host", "port", "dbname", "user", "password", "sslmode"]);
        foreach (var keyword in keywords)
        {
            ConnectionParameterCatalog.TryGet(keyword, out _).Should().BeTrue($"libpq knows '{keyword}'");
            foreach (var input in new[] { $"postgresql://h/db?{keyword}=v%20w", $"host=h {keyword}='v w'", $"{keyword}=v" })
            {
                var libpq = LibpqNative.Parse(input);
                AssertSameOutcome(input, libpq.Values, libpq.Error, OurParse.Of(input));
            }
        }

        output.WriteLine($"{keywords.Count} libpq keywords: {string.Join(", ", keywords)}");
    }

    private static void AssertAgreesOrDivergesAsDocumented(string input, string forLibpq)
    {
        var raw = LibpqNative.Parse(forLibpq);
        var libpq = raw.Values is { } values ? raw with { Values = NewerKeywords.RenameBack(values) } : raw;
        var ours = OurParse.Of(input);
        var refused = DivergenceClassifier.ClassifyUrl(input);
        if (refused != Divergence.None)
        {
            var context = Describe(input, libpq, ours);
            ours.Succeeded.Should().BeFalse($"the input falls under the documented divergence(s) {refused}, which we refuse. {context}");
            if (libpq.Succeeded)
            {
                ours.Problems.Should().OnlyContain(p => DivergenceClassifier.ExplainedByAny(refused, p), $"libpq accepts everything but the {refused} divergence. {context}");
            }

            return;
        }

        AssertSameOutcome(input, libpq.Values, libpq.Error, ours);
        if (ours.Values is { } ourValues)
        {
            AssertFromUrlFailsOnlyForParameterValues(input, ourValues);
        }
    }

    private static void AssertSameOutcome(string input, IReadOnlyDictionary<string, string>? libpqValues, string? libpqError, OurParse ours)
    {
        var libpqText = libpqValues is null ? $"libpq error: {libpqError}" : "libpq: " + Display.Dictionary(libpqValues);
        var context = $"input {Display.Literal(input)}; {libpqText}; {ours}";
        if (libpqValues is null)
        {
            ours.Succeeded.Should().BeFalse($"libpq rejects the input, so must we. {context}");
            return;
        }

        ours.Succeeded.Should().BeTrue($"libpq accepts the input, so must we. {context}");
        Display.Dictionary(ours.Values!).Should().Be(Display.Dictionary(libpqValues), $"we must read exactly what libpq reads. {context}");
    }

    /// <summary>
    /// For an input both parsers accept, full validation (<see cref="ConnectionSettings.FromUrl"/>) may still fail, but
    /// only because of the value of a parameter that is present (invalid port, unsupported parameter, bad sslmode, ...),
    /// never with a parse-level problem, and never with another exception type.
    /// </summary>
    private static void AssertFromUrlFailsOnlyForParameterValues(string input, IReadOnlyDictionary<string, string> values)
    {
        try
        {
            ConnectionSettings.FromUrl(input);
        }
        catch (ConnectionConfigurationException e)
        {
            e.Problems.Should().NotBeEmpty();
            e.Problems.Should().OnlyContain(p => values.ContainsKey(p.Key),
                $"FromUrl({Display.Literal(input)}) may only reject the values of parameters it was given ({Display.Dictionary(values)}); it reported: {e.Message}");
        }
    }

    private static string Describe(string input, LibpqParseResult libpq, OurParse ours) => $"input {Display.Literal(input)}; {libpq}; {ours}";

    private static TheoryData<string, string> ToTheoryData(IEnumerable<(string Input, string ForLibpq)> inputs)
    {
        var data = new TheoryData<string, string>();
        foreach (var (input, forLibpq) in inputs)
        {
            data.Add(input, forLibpq);
        }

        return data;
    }
}
