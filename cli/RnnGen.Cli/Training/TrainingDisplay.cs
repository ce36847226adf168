using System.Globalization;
using Spectre.Console;

namespace RnnGen.Cli.Training;

/// <summary>One finished step as the display shows it.</summary>
internal readonly record struct StepReport(long Step, long TotalSteps, double Loss, double TokensPerSecond, TimeSpan Remaining);

/// <summary>
/// Live progress of a training run: a Spectre.Console bar (loss, tokens/s, ETA) on a terminal, plain lines every
/// <c>every</c> steps otherwise, so logs and tests read the same numbers.
/// </summary>
internal static class TrainingDisplay
{
    public static T Run<T>(long firstStep, long totalSteps, int every, Func<Action<StepReport>, T> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
            return train(report =>
            {
                if (report.Step % every == 0 || report.Step == report.TotalSteps) Console.WriteLine(Line(report));
            });
        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: totalSteps);
                task.Value = firstStep;
                return train(report =>
                {
                    task.Value = report.Step;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"loss {report.Loss:F3}  {report.TokensPerSecond:N0} tok/s");
                });
            });
    }

    private static string Line(StepReport r) => string.Create(CultureInfo.InvariantCulture,
        $"step {r.Step}/{r.TotalSteps}  loss {r.Loss:R}  {r.TokensPerSecond:F0} tok/s  eta {r.Remaining:mm\\:ss}");
}
