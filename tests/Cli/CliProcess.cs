using System.Diagnostics;

namespace RnnGen.Tests.Cli;

/// <summary>The built `rnngen` (cli/RnnGen.Cli, same configuration as the tests), run as a separate process.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    private static readonly string Dll = FindCli();

    public static Result Run(string workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Started with redirected output, so the CLI prints plain lines rather than a live display.</summary>
    public static Process Start(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    private static string FindCli()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RnnGen.sln"))) directory = directory.Parent;
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)));   // …/bin/Release/net10.0/
        var dll = Path.Combine(directory!.FullName, "cli", "RnnGen.Cli", "bin", configuration!, "net10.0", "RnnGen.Cli.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build cli/RnnGen.Cli first.", dll);
    }
}
