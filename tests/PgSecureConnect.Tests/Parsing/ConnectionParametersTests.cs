using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class ConnectionParametersTests
{
    private static readonly SettingSource First = new(SettingSourceKind.Url, "first");
    private static readonly SettingSource Second = new(SettingSourceKind.Url, "second");

    [Fact]
    public void SetIfMissing_sets_only_a_missing_keyword_and_says_so()
    {
        var parameters = new ConnectionParameters();

        parameters.SetIfMissing("host", "a", First).Should().BeTrue();
        parameters.SetIfMissing("host", "b", Second).Should().BeFalse();

        parameters.TryGet("host", out var value).Should().BeTrue();
        value.Should().Be(new ParameterValue("a", First));
    }

    [Fact]
    public void A_later_value_replaces_an_earlier_one_in_its_place()
    {
        var parameters = new ConnectionParameters();
        parameters.Set("host", "a", First);
        parameters.Set("port", "1", First);
        parameters.Set("host", "b", Second, mayHoldSecret: true);

        parameters.Keywords.Should().Equal("host", "port");
        parameters.TryGet("host", out var value).Should().BeTrue();
        value.Should().Be(new ParameterValue("b", Second, MayHoldSecret: true));
    }

    [Fact]
    public void Remove_drops_the_value_and_its_place()
    {
        var parameters = new ConnectionParameters();
        parameters.Set("host", "a", First);
        parameters.Set("port", "1", First);

        parameters.Remove("host").Should().BeTrue();
        parameters.Remove("host").Should().BeFalse();

        parameters.Keywords.Should().Equal("port");
        parameters.Count.Should().Be(1);
        parameters.ToDictionary().Should().Equal(new Dictionary<string, string> { ["port"] = "1" });
    }
}
