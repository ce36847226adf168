using System.Globalization;

namespace RnnGen.Data;

/// <summary>Splits text into tokens for a <see cref="Vocabulary"/>, and joins tokens back into text.</summary>
/// <remarks>Thread safety: the tokenizers here are stateless; safe from any thread.</remarks>
public interface ITokenizer
{
    /// <summary>Splits <paramref name="text"/> into tokens.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    IReadOnlyList<string> Tokenize(string text);

    /// <summary>Joins tokens back into text; the inverse of <see cref="Tokenize"/> for this tokenizer's separators.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="tokens"/> is null.</exception>
    string Detokenize(IEnumerable<string> tokens);
}

/// <summary>What a <see cref="CharacterTokenizer"/> calls one character.</summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum CharacterUnit
{
    /// <summary>A user-perceived character (extended grapheme cluster): 👍🏽, 👨‍👩‍👧 or é written as e + U+0301 is one token.</summary>
    TextElement,

    /// <summary>A Unicode scalar value: 中 and 😀 are one token each (not two UTF-16 halves), but a ZWJ emoji sequence is several.</summary>
    Rune,
}

/// <summary>
/// Character-level tokens. Never splits a surrogate pair, so 中文 and emoji stay whole; whitespace is kept as tokens so
/// that <see cref="Detokenize"/> gives back the exact text.
/// </summary>
/// <remarks>Thread safety: stateless; safe from any thread.</remarks>
public sealed class CharacterTokenizer(CharacterUnit unit = CharacterUnit.TextElement) : ITokenizer
{
    /// <summary>What one token is: a text element or a rune.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The constructor's unit is not a defined <see cref="CharacterUnit"/>.</exception>
    public CharacterUnit Unit { get; } = unit is CharacterUnit.TextElement or CharacterUnit.Rune
        ? unit
        : throw new ArgumentOutOfRangeException(nameof(unit), unit, "unit must be TextElement or Rune.");

    /// <inheritdoc/>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>(text.Length);
        if (Unit == CharacterUnit.TextElement)
        {
            var enumerator = StringInfo.GetTextElementEnumerator(text);
            while (enumerator.MoveNext()) tokens.Add(enumerator.GetTextElement());
        }
        else
        {
            // A lone surrogate becomes U+FFFD, as any UTF-8 encoder would write it.
            foreach (var rune in text.EnumerateRunes()) tokens.Add(rune.ToString());
        }
        return tokens;
    }

    /// <inheritdoc/>
    public string Detokenize(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return string.Concat(tokens);
    }
}

/// <summary>
/// Word tokens separated by any run of Unicode whitespace (spaces, tabs, newlines, U+3000 ideographic space), for text
/// already segmented into words, such as the seed's Chinese sentence "我 昨天 上学 迟到 了".
/// </summary>
/// <remarks>Thread safety: stateless; safe from any thread.</remarks>
public sealed class WhitespaceTokenizer : ITokenizer
{
    /// <inheritdoc/>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            // Surrogates are never whitespace, so a char-by-char scan cannot split a pair.
            var space = i == text.Length || char.IsWhiteSpace(text[i]);
            if (!space && start < 0) start = i;
            else if (space && start >= 0)
            {
                tokens.Add(text[start..i]);
                start = -1;
            }
        }
        return tokens;
    }

    /// <inheritdoc/>
    public string Detokenize(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return string.Join(' ', tokens);
    }
}
