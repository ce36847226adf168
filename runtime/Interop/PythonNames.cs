using System.Globalization;

namespace RnnGen.Interop;

/// <summary>Python spellings: identifiers that are safe as locals and attributes, and number literals.</summary>
internal static class PythonNames
{
    // Python's keywords and the module-level names the generated code reads.
    private static readonly HashSet<string> Reserved =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield", "torch", "nn", "F", "math", "self", "state", "x",
        "_max", "_min", "_hard_sigmoid", "_mean", "_variance", "_rms",
    ];

    /// <summary>A local name for <paramref name="name"/> that is not reserved and not yet in <paramref name="used"/>.</summary>
    public static string Local(string name, HashSet<string> used)
    {
        var candidate = name;
        while (Reserved.Contains(candidate) || !used.Add(candidate)) candidate += "_";
        return candidate;
    }

    /// <summary>Whether <paramref name="name"/> can be written as an attribute (<c>self.name</c>).</summary>
    public static bool IsAttribute(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        && !Reserved.Contains(name);

    /// <summary><c>self.name</c>, or <c>getattr(self, "name")</c> for a name Python reserves (a parameter called <c>in</c>).</summary>
    public static string Member(string name) => IsAttribute(name) ? "self." + name : $"getattr(self, \"{name}\")";

    /// <summary>A float literal that reads back as the same double.</summary>
    public static string Number(double value) => double.IsPositiveInfinity(value) ? "math.inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A Python string literal.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
