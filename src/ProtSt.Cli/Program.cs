using System.CommandLine;
using ProtSt.Cli;
using ProtSt.Cli.Commands;

var root = new RootCommand("protst: protein language models (ESM, ProtST) over whole proteomes.")
{
    CliOptions.Config,
    ModelCommand.Create(),
    EmbedCommand.Create(),
    ScreenCommand.Create(),
    EvalCommand.Create(),
    SearchCommand.Create(),
    FinetuneCommand.Create(),
    SiloCommand.Create(),
};

var parse = root.Parse(args);
return await parse.InvokeAsync(SiloCommand.Invocation(parse));
