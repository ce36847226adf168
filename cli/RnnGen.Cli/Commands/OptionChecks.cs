using System.CommandLine;

namespace RnnGen.Cli.Commands;

/// <summary>Value checks System.CommandLine reports as parse errors (one line, before anything runs).</summary>
internal static class OptionChecks
{
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> ok, string expected)
    {
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return;   // a value that does not convert is already a parse error of its own
            }
            if (value is not null && !ok(value)) result.AddError($"{option.Name} must be {expected}, not {value}.");
        });
        return option;
    }
}
