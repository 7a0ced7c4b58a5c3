using Microsoft.Extensions.Configuration;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class VariableSourceTests
{
    [Fact]
    public void A_configuration_section_reads_with_configuration_sources()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["App:DB_HOST"] = "h" })
            .Build();

        var variables = VariableSource.FromConfiguration(configuration.GetSection("App"), "the App section");

        variables.TryGet("DB_HOST", out var value, out var source).Should().BeTrue();
        value.Should().Be("h");
        source.Should().Be(new SettingSource(SettingSourceKind.Configuration, "DB_HOST"));
        variables.Description.Should().Be("the App section");
    }

    [Fact]
    public void A_missing_variable_gives_an_empty_value()
    {
        var variables = VariableSource.FromDictionary(new Dictionary<string, string?> { ["DB_HOST"] = string.Empty }, SettingSourceKind.Variables);

        variables.TryGet("DB_HOST", out var value, out _).Should().BeFalse();
        value.Should().BeEmpty();
    }
}
