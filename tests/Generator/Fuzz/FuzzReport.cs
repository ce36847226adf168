using System.Globalization;
using System.Text;

namespace RnnGen.Tests.Generator.Fuzz;

/// <summary>Counts the outcomes of a fuzz run and writes them, with every failing input in a replayable form.</summary>
internal sealed class FuzzReport(int seed)
{
    /// <summary>Failing inputs printed in full; the rest are counted (one seed and index regenerate any of them).</summary>
    private const int PrintedFailures = 40;

    private readonly SortedDictionary<string, int> _byDiagnostic = new(StringComparer.Ordinal);
    private readonly List<CellOutcome> _failures = [];

    public int Inputs { get; private set; }
    public int Accepted { get; private set; }
    public IReadOnlyList<CellOutcome> Failures => _failures;

    public void Add(CellOutcome outcome)
    {
        Inputs++;
        if (outcome.Accepted) Accepted++;
        foreach (var id in outcome.DiagnosticIds.Distinct()) _byDiagnostic[id] = _byDiagnostic.GetValueOrDefault(id) + 1;
        if (outcome.Problems.Count > 0) _failures.Add(outcome);
    }

    public string Summary(TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine($"seed {seed}: {Inputs} inputs in {elapsed.TotalSeconds:0.0} s — {Accepted} accepted, {Inputs - Accepted} rejected, {_failures.Count} failing");
        foreach (var (id, count) in _byDiagnostic) text.AppendLine($"  {id}: {count} input(s)");
        text.AppendLine($"replay: RNNGEN_FUZZ_SEED={seed} RNNGEN_FUZZ_COUNT={Inputs} dotnet test --filter GeneratorFuzzTests");
        return text.ToString();
    }

    public string FailureDetails()
    {
        var text = new StringBuilder();
        foreach (var failure in _failures.Take(PrintedFailures))
        {
            text.AppendLine($"── input {failure.Case.Index} of seed {seed} ({failure.Case.Kind}); replay: RNNGEN_FUZZ_SEED={seed} RNNGEN_FUZZ_COUNT={failure.Case.Index + 1}");
            foreach (var problem in failure.Problems.Take(3)) text.AppendLine("   " + Shorten(problem, 1500));
            text.AppendLine("   source (characters outside printable ASCII written as \\uXXXX):");
            text.AppendLine(Shorten(Visible(failure.Case.ReplaySource), 3000));
        }
        if (_failures.Count > PrintedFailures) text.AppendLine($"… and {_failures.Count - PrintedFailures} more failing inputs");
        return text.ToString();
    }

    private static string Visible(string source)
    {
        var text = new StringBuilder();
        foreach (var ch in source)
            text.Append(ch is '\n' or (>= ' ' and <= '~') ? ch.ToString() : "\\u" + ((int)ch).ToString("X4", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static string Shorten(string text, int length) =>
        text.Length <= length ? text : text[..length] + $"… ({text.Length} characters)";
}
