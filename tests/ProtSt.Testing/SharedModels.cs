using System.Collections.Concurrent;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;

namespace ProtSt.Testing;

/// <summary>
/// Model folders made once per test process and shared by the tests whose model is setup, not what they check: the
/// golden checkpoints converted with the default options (the folder <c>protst model convert GOLDEN -o DIR</c> writes)
/// and the demo model. Tests only read them; one that changes or places its model makes its own.
/// </summary>
public static class SharedModels
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "protst-tests", $"shared-models-{Guid.NewGuid():N}");

    private static readonly ConcurrentDictionary<string, Lazy<string>> Goldens = new(StringComparer.Ordinal);

    private static readonly Lazy<string> DemoFolder = new(() => DemoModel.Ensure(Path.Combine(Root, "demo-cache")));

    static SharedModels() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    };

    /// <summary>Golden <paramref name="name"/> of tests/fixtures/goldens converted into a model folder, on first use.</summary>
    public static string Golden(string name) => Goldens.GetOrAdd(name, golden => new Lazy<string>(() =>
    {
        var folder = Path.Combine(Root, golden);
        ModelConverter.Convert(Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", golden), folder);
        return folder;
    })).Value;

    /// <summary>The demo model (<see cref="DemoModel.Ensure"/>) in a cache of this test process, generated on first use.</summary>
    public static string Demo() => DemoFolder.Value;
}
