using System.CommandLine;
using ProtSt.Cli;
using ProtSt.Cli.Commands;

Command[] computing = [EmbedCommand.Create(), ScreenCommand.Create(), EvalCommand.Create(), SearchCommand.Create(), FinetuneCommand.Create(), SiloCommand.Create()];
CliOptions.AddAccelerator(computing);
var root = new RootCommand("protst: protein language models (ESM, ProtST) over whole proteomes.") { CliOptions.Config, ModelCommand.Create(), DataCommand.Create(), JobsCommand.Create(), AttachCommand.Create(), CancelCommand.Create() };
foreach (var command in computing)
{
    root.Subcommands.Add(command);
}

// SIGTERM and Ctrl+C cancel the command's token; SiloCommand.Invocation gives the command time to stop before
// System.CommandLine ends the process (its default of 2 s turned a silo's graceful leave into a crash with code 143).
var parse = root.Parse(args);
return await parse.InvokeAsync(SiloCommand.Invocation(parse));
