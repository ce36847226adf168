using System.Buffers;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen.Data;

/// <summary>
/// The words a model knows, each with an integer id (seed 000: a vocabulary with start, end and unknown tokens, and
/// every word a one-hot vector over it). Ids 0–3 are always &lt;pad&gt;, &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, so a
/// model, a batcher and a saved file agree on them without looking them up. Immutable once built.
/// </summary>
/// <remarks>Thread safety: immutable once built; safe to share between threads.</remarks>
public sealed class Vocabulary
{
    /// <summary>The id of <see cref="PadToken"/>, which fills a batch past a sequence's end.</summary>
    public const int PadId = 0;
    /// <summary>The id of <see cref="UnknownToken"/>, given to tokens the vocabulary does not have.</summary>
    public const int UnknownId = 1;
    /// <summary>The id of <see cref="StartToken"/>, which marks the start of a sequence.</summary>
    public const int StartId = 2;
    /// <summary>The id of <see cref="EndToken"/>, which marks the end of a sequence.</summary>
    public const int EndId = 3;
    /// <summary>The padding token, id <see cref="PadId"/>.</summary>
    public const string PadToken = "<pad>";
    /// <summary>The unknown-token token, id <see cref="UnknownId"/>.</summary>
    public const string UnknownToken = "<unk>";
    /// <summary>The start-of-sequence token, id <see cref="StartId"/>.</summary>
    public const string StartToken = "<s>";
    /// <summary>The end-of-sequence token, id <see cref="EndId"/>.</summary>
    public const string EndToken = "</s>";

    /// <summary>The number of special tokens; ordinary tokens start at this id.</summary>
    public const int SpecialCount = 4;

    private const string FormatName = "rnngen-vocabulary";
    private const int FormatVersion = 1;

    private static readonly string[] s_specials = [PadToken, UnknownToken, StartToken, EndToken];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    /// <summary>
    /// A vocabulary of the special tokens followed by <paramref name="tokens"/> in the given order (ids 4, 5, …).
    /// </summary>
    /// <exception cref="ArgumentException">A token is null, empty, repeated, or one of the special tokens.</exception>
    public Vocabulary(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = new List<string>(s_specials);
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < SpecialCount; i++) _ids.Add(s_specials[i], i);
        var index = 0;
        foreach (var token in tokens)
        {
            if (string.IsNullOrEmpty(token))
                throw new ArgumentException($"Token {index} is {(token is null ? "null" : "empty")}; tokens must be non-empty strings.", nameof(tokens));
            if (!_ids.TryAdd(token, list.Count))
                throw new ArgumentException(_ids[token] < SpecialCount
                    ? $"Token {index} '{token}' is the special token with id {_ids[token]}; it is always present and cannot be listed again."
                    : $"Token {index} '{token}' repeats token {_ids[token] - SpecialCount} (id {_ids[token]}); every token needs exactly one id.", nameof(tokens));
            list.Add(token);
            index++;
        }
        _tokens = list.ToArray();
    }

    /// <summary>
    /// Builds a vocabulary from a token stream: tokens seen at least <paramref name="minFrequency"/> times, most frequent
    /// first, ties in ordinal string order (so the same stream always gives the same ids), keeping at most
    /// <paramref name="maxSize"/> entries including the four special tokens. Special tokens in the stream are not counted.
    /// </summary>
    public static Vocabulary Build(IEnumerable<string> tokens, int minFrequency = 1, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (minFrequency < 1)
            throw new ArgumentOutOfRangeException(nameof(minFrequency), minFrequency, "minFrequency must be at least 1.");
        if (maxSize is { } max && max < SpecialCount)
            throw new ArgumentOutOfRangeException(nameof(maxSize), max, $"maxSize counts the {SpecialCount} special tokens, so it must be at least {SpecialCount}.");

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var token in tokens)
        {
            if (string.IsNullOrEmpty(token))
                throw new ArgumentException($"Token {index} of the stream is {(token is null ? "null" : "empty")}; tokens must be non-empty strings.", nameof(tokens));
            if (Array.IndexOf(s_specials, token) < 0)
                counts[token] = counts.GetValueOrDefault(token) + 1;
            index++;
        }
        var kept = counts.Where(pair => pair.Value >= minFrequency)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => pair.Key);
        if (maxSize is { } limit) kept = kept.Take(limit - SpecialCount);
        return new Vocabulary(kept);
    }

    /// <summary>The number of ids, special tokens included: ids are 0 … Count − 1.</summary>
    public int Count => _tokens.Length;

    /// <summary>Every token, indexed by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Whether the vocabulary holds <paramref name="token"/> (special tokens included).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is null.</exception>
    public bool Contains(string token) => _ids.ContainsKey(token ?? throw new ArgumentNullException(nameof(token)));

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> for a token the vocabulary does not have.</summary>
    public int Id(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _ids.TryGetValue(token, out var id) ? id : UnknownId;
    }

    /// <summary>The token with id <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside [0, Count).</exception>
    public string Token(int id)
    {
        if ((uint)id >= (uint)_tokens.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary [0, {_tokens.Length}) of size {_tokens.Length}.");
        return _tokens[id];
    }

    /// <summary>The ids of <paramref name="tokens"/> (unknown ones as &lt;unk&gt;), optionally framed by &lt;s&gt; and &lt;/s&gt;.</summary>
    public int[] Encode(IEnumerable<string> tokens, bool addStart = false, bool addEnd = false)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var ids = new List<int>();
        if (addStart) ids.Add(StartId);
        var index = 0;
        foreach (var token in tokens)
        {
            if (token is null)
                throw new ArgumentException($"Token {index} is null.", nameof(tokens));
            ids.Add(Id(token));
            index++;
        }
        if (addEnd) ids.Add(EndId);
        return ids.ToArray();
    }

    /// <summary>
    /// The tokens of <paramref name="ids"/>. With <paramref name="stopAtEnd"/>, reading stops before the first &lt;/s&gt;;
    /// with <paramref name="skipSpecial"/>, &lt;pad&gt;, &lt;s&gt; and &lt;/s&gt; are left out (they carry no text),
    /// while &lt;unk&gt; is kept because it stands for a real word.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, Count).</exception>
    public string[] Decode(ReadOnlySpan<int> ids, bool stopAtEnd = true, bool skipSpecial = true)
    {
        // Check everything first: a bad id late in the sequence must not leave the caller with half an answer.
        CheckIds(ids, nameof(ids));
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            if (stopAtEnd && id == EndId) break;
            if (skipSpecial && id is PadId or StartId or EndId) continue;
            tokens.Add(_tokens[id]);
        }
        return tokens.ToArray();
    }

    /// <summary>One-hot rows of <paramref name="ids"/> over this vocabulary into <paramref name="destination"/> ([ids, Count]).</summary>
    public void OneHot<T>(ReadOnlySpan<int> ids, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T> =>
        global::RnnGen.OneHot.Encode(ids, Count, destination);

    /// <summary>
    /// Saves as JSON (<c>{"format":"rnngen-vocabulary","version":1,"tokens":[…]}</c>, tokens in id order) atomically:
    /// written to a temporary file in the same folder, flushed, then renamed over <paramref name="path"/>, so an existing
    /// file is either kept whole or replaced whole.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        // Same folder, so the final move is a rename within one volume rather than a copy.
        var temporary = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(ToJson());
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Loads a file written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a vocabulary of this format, or its tokens are inconsistent.</exception>
    public static Vocabulary Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromJson(File.ReadAllBytes(path), path);
    }

    /// <summary>The JSON that <see cref="Save"/> writes, as UTF-8.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps 中文 readable in the file instead of \uXXXX escapes.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", FormatVersion);
            json.WriteStartArray("tokens");
            foreach (var token in _tokens) json.WriteStringValue(token);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the JSON of <see cref="ToJson"/>; <paramref name="source"/> names it in error messages.</summary>
    public static Vocabulary FromJson(ReadOnlyMemory<byte> json, string source = "the JSON")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected a JSON object, found {root.ValueKind}.");
            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
                throw new InvalidDataException($"{source}: expected \"format\": \"{FormatName}\"; this is not a saved vocabulary.");
            if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var v) || v != FormatVersion)
                throw new InvalidDataException($"{source}: expected \"version\": {FormatVersion}, found {(root.TryGetProperty("version", out var found) ? found.GetRawText() : "none")}.");
            if (!root.TryGetProperty("tokens", out var array) || array.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{source}: expected a \"tokens\" array.");

            var tokens = new List<string>(array.GetArrayLength());
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{source}: token {tokens.Count} is {item.ValueKind}, expected a string.");
                tokens.Add(item.GetString()!);
            }
            // Fixed special ids are the contract with models trained on the file; a file that moves them is wrong, not old.
            for (var i = 0; i < SpecialCount; i++)
                if (i >= tokens.Count || tokens[i] != s_specials[i])
                    throw new InvalidDataException($"{source}: id {i} must be the special token '{s_specials[i]}', found {(i < tokens.Count ? $"'{tokens[i]}'" : "nothing")}.");
            try
            {
                return new Vocabulary(tokens.Skip(SpecialCount));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);
            }
        }
    }

    internal void CheckIds(ReadOnlySpan<int> ids, string name)
    {
        for (var i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)_tokens.Length)
                throw new ArgumentOutOfRangeException(name, ids[i], $"Token id {ids[i]} at position {i} is outside the vocabulary [0, {_tokens.Length}) of size {_tokens.Length}.");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException) { }   // the original failure matters more than a leftover temporary file
        catch (UnauthorizedAccessException) { }
    }
}
