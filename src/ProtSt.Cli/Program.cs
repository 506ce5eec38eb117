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

// SIGTERM and Ctrl+C cancel the command's token. A silo then leaves gracefully (membership is told, grains deactivate),
// which can take longer than System.CommandLine's default of 2 s, after which it ends the process with code 143 and
// the leave is a crash. The hosts bound their own stop (30 s); this only catches a command that ignores its token.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) });
