using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Tests.Parsing.Libpq;

/// <summary>What PgSecureConnect's libpq-level parse (<see cref="ConnectionStringReader.Parse"/>) made of an input.</summary>
/// <param name="Values">The libpq keyword → value pairs when there were no problems, else <see langword="null"/>.</param>
/// <param name="Problems">The problems reported (empty on success).</param>
internal sealed record OurParse(IReadOnlyDictionary<string, string>? Values, IReadOnlyList<ConfigurationProblem> Problems)
{
    public bool Succeeded => Values is not null;

    public static OurParse Of(string input)
    {
        var problems = new ProblemList();
        var parameters = ConnectionStringReader.Parse(input, "url", origin: null, problems);
        if (!problems.HasProblems)
        {
            return new OurParse(parameters.ToDictionary(), []);
        }

        try
        {
            problems.ThrowIfAny();
        }
        catch (ConnectionConfigurationException e)
        {
            return new OurParse(null, e.Problems);
        }

        throw new InvalidOperationException("ProblemList.HasProblems was true but ThrowIfAny did not throw");
    }

    public override string ToString()
        => Values is null
            ? "ours: failed with " + string.Join(" | ", Problems.Select(p => p.ToString()))
            : "ours: " + Display.Dictionary(Values);
}
