using System.CommandLine;

namespace RnnGen.Cli.Commands;

/// <summary>Value checks System.CommandLine reports as parse errors (one line, before anything runs).</summary>
internal static class OptionChecks
{
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> ok, string expected)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value is not null && !ok(value)) result.AddError($"{option.Name} must be {expected}, not {value}.");
        });
        return option;
    }
}
