using System.Diagnostics;

namespace RnnGen.Tests.Support;

/// <summary>Debian's <c>/usr/bin/python3</c> with <c>python3-torch</c> and <c>python3-onnx</c> (installed by .ci/run).
/// A missing interpreter or module fails the test with the command that installs it; nothing is skipped.</summary>
internal static class DebianPython
{
    public const string Interpreter = "/usr/bin/python3";
    private const string Install = "apt-get install -y python3-torch python3-onnx";

    /// <summary>Runs <paramref name="script"/> (a file) with arguments in <paramref name="workingDirectory"/>;
    /// returns standard output, or throws with standard error when the exit code is not 0.</summary>
    public static string Run(string workingDirectory, string script, params string[] args)
    {
        Require("torch");
        return Execute(workingDirectory, TimeSpan.FromMinutes(10), [script, .. args]);
    }

    /// <summary>Runs <paramref name="code"/> (python -c) after requiring <paramref name="module"/>; <c>sys.argv[1:]</c> are
    /// <paramref name="args"/>. Returns standard output, or throws with standard error when the exit code is not 0.</summary>
    public static string RunCode(string module, string code, params string[] args)
    {
        Require(module);
        return Execute(Path.GetTempPath(), TimeSpan.FromMinutes(5), ["-c", code, .. args]);
    }

    /// <summary>Fails loudly (naming the install command) when <paramref name="module"/> does not import.</summary>
    public static void Require(string module)
    {
        if (!File.Exists(Interpreter)) throw new InvalidOperationException($"{Interpreter} is missing; run `{Install}` (as .ci/run does).");
        try { Execute(Path.GetTempPath(), TimeSpan.FromMinutes(2), ["-c", $"import {module}"]); }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"Python module '{module}' does not import under {Interpreter}; run `{Install}` (as .ci/run does).\n{e.Message}");
        }
    }

    private static string Execute(string workingDirectory, TimeSpan limit, string[] args)
    {
        var info = new ProcessStartInfo(Interpreter) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit)) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Interpreter} {string.Join(' ', args)} exited with {process.ExitCode}:\n{error.Result}\n{output.Result}");
        return output.Result;
    }
}
