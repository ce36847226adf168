namespace RnnGen.Cli;

/// <summary>A mistake in what the user asked for: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
