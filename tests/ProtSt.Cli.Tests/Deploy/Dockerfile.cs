using System.Text.Json;

namespace ProtSt.Cli.Tests.Deploy;

/// <summary>The final stage of a Dockerfile: what the running image sets (ENV, EXPOSE, WORKDIR, VOLUME, USER, ENTRYPOINT).</summary>
public sealed record Dockerfile(
    IReadOnlyDictionary<string, string> Environment, IReadOnlyList<int> Exposed, string WorkingDirectory, IReadOnlyList<string> Volumes,
    string? User, IReadOnlyList<string> Entrypoint)
{
    public static Dockerfile Load(string path)
    {
        // Join continuation lines, drop comments, keep only the instructions after the last FROM.
        var instructions = new List<(string Keyword, string Argument)>();
        var pending = "";
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var rest = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                instructions.Clear();
            }

            instructions.Add((keyword, rest));
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var exposed = new List<int>();
        var volumes = new List<string>();
        var workdir = "/";
        string? user = null;
        IReadOnlyList<string> entrypoint = [];
        foreach (var (keyword, rest) in instructions)
        {
            switch (keyword)
            {
                case "ENV":
                    foreach (var pair in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var equals = pair.IndexOf('=', StringComparison.Ordinal);
                        Assert.True(equals > 0, $"ENV '{pair}' in {path}: write ENV KEY=value");
                        environment[pair[..equals]] = pair[(equals + 1)..];
                    }

                    break;
                case "EXPOSE":
                    exposed.AddRange(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case "WORKDIR":
                    workdir = rest;
                    break;
                case "VOLUME":
                    volumes.AddRange(rest.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(rest)! : rest.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "USER":
                    user = rest;
                    break;
                case "ENTRYPOINT":
                    entrypoint = JsonSerializer.Deserialize<string[]>(rest)!;
                    break;
                default:
                    break;
            }
        }

        return new Dockerfile(environment, exposed, workdir, volumes, user, entrypoint);
    }
}
