using System;

namespace RnnGen.Generator.Model
{
    /// <summary>Edit distance for "did you mean" suggestions and typo warnings; swapping two neighbours counts as one edit.</summary>
    internal static class NameDistance
    {
        public static bool IsClose(string a, string b) => a != b && Distance(a, b) <= Math.Max(1, Math.Min(a.Length, b.Length) / 4);

        /// <summary>
        /// Whether <paramref name="name"/> looks like a mistyped <paramref name="intended"/>: close, and not a deliberate
        /// variant. One-letter names are not judged: every one-letter name is one edit from every other (b and h, W and U).
        /// </summary>
        public static bool MayBeTypo(string name, string intended) =>
            name.Length > 1 && intended.Length > 1 && IsClose(name, intended) && !IsVariant(name, intended);

        /// <summary>A family of names, not a typo: W_i/W_f or gate/gate_2 (same stem before '_'), W_z/U_z (same part after
        /// '_'), W1/W2 (only digits differ), W1/U1 (same digits).</summary>
        private static bool IsVariant(string a, string b)
        {
            if (WithoutDigits(a) == WithoutDigits(b)) return true;
            var digits = Digits(a);
            if (digits.Length > 0 && digits == Digits(b)) return true;
            var (stemA, suffixA) = Split(a);
            var (stemB, suffixB) = Split(b);
            return (suffixA is not null || suffixB is not null) && (stemA == stemB || (suffixA is not null && suffixA == suffixB));
        }

        private static (string Stem, string? Suffix) Split(string name)
        {
            var underscore = name.IndexOf('_');
            return underscore < 0 ? (name, null) : (name.Substring(0, underscore), name.Substring(underscore + 1));
        }

        private static string WithoutDigits(string name) => Filter(name, digits: false);

        private static string Digits(string name) => Filter(name, digits: true);

        private static string Filter(string name, bool digits)
        {
            var kept = new System.Text.StringBuilder(name.Length);
            foreach (var ch in name)
                if (char.IsDigit(ch) == digits) kept.Append(ch);
            return kept.ToString();
        }

        /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps (gaet → gate is 1).</summary>
        private static int Distance(string a, string b)
        {
            var beforePrevious = new int[b.Length + 1];
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++) previous[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }
                (beforePrevious, previous, current) = (previous, current, beforePrevious);
            }
            return previous[b.Length];
        }
    }
}
