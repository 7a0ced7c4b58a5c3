using System.Reflection;
using System.Text;

namespace PgSecureConnect.Tests;

/// <summary>
/// The public surface is checked in (PublicAPI.txt beside the library); this fails when it changes without that file
/// changing. To accept a change, run with PGSECURE_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void Public_api_matches_the_checked_in_list()
    {
        var path = Path.Combine(RepositoryRoot(), "src", "PgSecureConnect", "PublicAPI.txt");
        var actual = Describe(typeof(ConnectionFactory).Assembly);
        if (Environment.GetEnvironmentVariable("PGSECURE_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(path, actual);
        }

        File.Exists(path).Should().BeTrue($"{path} lists the public API");
        File.ReadAllText(path).ReplaceLineEndings("\n").Should().Be(actual,
            "the public API changed; if that is intended, run the tests with PGSECURE_UPDATE_PUBLIC_API=1 and commit src/PgSecureConnect/PublicAPI.txt");
    }

    [Fact]
    public void Hosting_public_api_matches_the_checked_in_list()
    {
        var path = Path.Combine(RepositoryRoot(), "src", "PgSecureConnect.Hosting", "PublicAPI.txt");
        var actual = Describe(typeof(PgSecureConnect.Hosting.PgSecureConnectHostingOptions).Assembly);
        if (Environment.GetEnvironmentVariable("PGSECURE_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(path, actual);
        }

        File.Exists(path).Should().BeTrue($"{path} lists the public API");
        File.ReadAllText(path).ReplaceLineEndings("\n").Should().Be(actual,
            "the public API changed; if that is intended, run the tests with PGSECURE_UPDATE_PUBLIC_API=1 and commit src/PgSecureConnect.Hosting/PublicAPI.txt");
    }

    [Theory]
    [InlineData(typeof(ConnectionFactory))]
    [InlineData(typeof(PgSecureConnect.Hosting.PgSecureConnectHostingOptions))]
    public void Public_types_are_sealed_or_static_unless_abstract_or_interfaces(Type ofAssembly)
    {
        var open = ofAssembly.Assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract)
            .Select(t => t.FullName);

        open.Should().BeEmpty();
    }

    internal static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"{Kind(type)} {Name(type)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                if (member is MethodInfo { IsSpecialName: true } || member.Name is "EqualityContract" or "<Clone>$")
                {
                    continue;
                }

                lines.Add($"{Name(type)}.{Member(member)}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }

    private static string Kind(Type type)
        => type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";

    private static string Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c.GetParameters())})",
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}({Parameters(m.GetParameters())})",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic == true ? "static " : string.Empty)}{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{(p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? "init; " : "set; ") : string.Empty)}}}",
        FieldInfo f => $"{(f.IsStatic ? "static " : string.Empty)}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        _ => member.Name,
    };

    private static string Parameters(ParameterInfo[] parameters)
        => string.Join(", ", parameters.Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string Name(Type type)
    {
        if (type.IsGenericType)
        {
            var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
            return $"{type.Namespace}.{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
        }

        return type.FullName ?? type.Name;
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PgSecureConnect.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("PgSecureConnect.sln not found above " + AppContext.BaseDirectory);
    }
}
