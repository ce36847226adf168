using System;

namespace RnnGen.Generator.Model
{
    /// <summary>Edit distance for "did you mean" suggestions.</summary>
    internal static class NameDistance
    {
        public static bool IsClose(string a, string b) => a != b && Distance(a, b) <= Math.Max(1, Math.Min(a.Length, b.Length) / 4);

        private static int Distance(string a, string b)
        {
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
                }
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }
    }
}
