using RnnGen.Data;

namespace RnnGen.Tests.Data;

public class VocabularyTests
{
    // Seed 000's example sentence, already segmented into words.
    internal static readonly string[] Sentence = ["我", "昨天", "上学", "迟到", "了"];

    [Fact]
    public void SpecialTokensHaveFixedIds()
    {
        var vocabulary = Vocabulary.Build(Sentence);
        Assert.Equal(0, vocabulary.Id("<pad>"));
        Assert.Equal(1, vocabulary.Id("<unk>"));
        Assert.Equal(2, vocabulary.Id("<s>"));
        Assert.Equal(3, vocabulary.Id("</s>"));
        Assert.Equal(["<pad>", "<unk>", "<s>", "</s>"], vocabulary.Tokens.Take(4));
        Assert.Equal((Vocabulary.PadId, Vocabulary.UnknownId, Vocabulary.StartId, Vocabulary.EndId), (0, 1, 2, 3));
        Assert.Equal(4 + Sentence.Length, vocabulary.Count);
        // An empty stream still has the special tokens.
        Assert.Equal(4, Vocabulary.Build([]).Count);
    }

    [Fact]
    public void BuildOrdersByFrequencyThenOrdinallyWhateverTheInputOrder()
    {
        string[] stream = ["b", "a", "c", "a", "d", "c", "a", "<s>", "<s>", "<s>", "<s>"];
        var vocabulary = Vocabulary.Build(stream);
        // a×3, then c×2, then b and d (once each) in ordinal order; <s> in the stream is not counted again.
        Assert.Equal(["<pad>", "<unk>", "<s>", "</s>", "a", "c", "b", "d"], vocabulary.Tokens);
        var reversed = Vocabulary.Build(stream.Reverse());
        Assert.Equal(vocabulary.Tokens, reversed.Tokens);
    }

    [Fact]
    public void MinFrequencyAndMaxSizeLimitTheVocabulary()
    {
        string[] stream = ["x", "x", "x", "y", "y", "z", "w", "w"];
        Assert.Equal(["x", "w", "y"], Vocabulary.Build(stream, minFrequency: 2).Tokens.Skip(4));
        Assert.Equal(["x", "w"], Vocabulary.Build(stream, maxSize: 6).Tokens.Skip(4));
        Assert.Equal(4, Vocabulary.Build(stream, maxSize: 4).Count);
        var dropped = Vocabulary.Build(stream, minFrequency: 3);
        Assert.Equal(Vocabulary.UnknownId, dropped.Id("y"));

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Vocabulary.Build(stream, maxSize: 3));
        Assert.Equal("maxSize", e.ParamName);
        Assert.Equal("minFrequency", Assert.Throws<ArgumentOutOfRangeException>(() => Vocabulary.Build(stream, minFrequency: 0)).ParamName);
    }

    [Fact]
    public void IdsAndTokensRoundTrip()
    {
        var vocabulary = Vocabulary.Build(Sentence);
        for (var id = 0; id < vocabulary.Count; id++)
            Assert.Equal(id, vocabulary.Id(vocabulary.Token(id)));
        Assert.All(Sentence, word => Assert.True(vocabulary.Contains(word)));
        Assert.Equal(Sentence.Length, Sentence.Select(vocabulary.Id).Distinct().Count());
    }

    [Fact]
    public void UnknownTokensMapToUnk()
    {
        var vocabulary = Vocabulary.Build(Sentence);
        Assert.False(vocabulary.Contains("今天"));
        Assert.Equal(Vocabulary.UnknownId, vocabulary.Id("今天"));
        Assert.Equal(Vocabulary.UnknownId, vocabulary.Id(""));
        // Ordinal: case or a different normalisation is another token.
        Assert.Equal(Vocabulary.UnknownId, Vocabulary.Build(["Word"]).Id("word"));
        var ids = vocabulary.Encode(["我", "今天", "上学"]);
        Assert.Equal(Vocabulary.UnknownId, ids[1]);
        Assert.Equal(["我", "<unk>", "上学"], vocabulary.Decode(ids));
    }

    [Fact]
    public void EncodeAndDecodeTheSeedSentence()
    {
        var vocabulary = Vocabulary.Build(Sentence);
        var ids = vocabulary.Encode(Sentence, addStart: true, addEnd: true);
        Assert.Equal(Sentence.Length + 2, ids.Length);
        Assert.Equal(Vocabulary.StartId, ids[0]);
        Assert.Equal(Vocabulary.EndId, ids[^1]);
        Assert.Equal(Sentence, vocabulary.Decode(ids));
        Assert.Equal(Sentence.Select(vocabulary.Id), vocabulary.Encode(Sentence));

        // Decoding stops at the first </s> unless told not to; special tokens show only when asked.
        int[] padded = [.. ids, Vocabulary.PadId, vocabulary.Id("了")];
        Assert.Equal(Sentence, vocabulary.Decode(padded));
        Assert.Equal([.. Sentence, "了"], vocabulary.Decode(padded, stopAtEnd: false));
        Assert.Equal(["<s>", .. Sentence, "</s>", "<pad>", "了"], vocabulary.Decode(padded, stopAtEnd: false, skipSpecial: false));
        Assert.Equal(["<s>", .. Sentence], vocabulary.Decode(padded, stopAtEnd: true, skipSpecial: false));
    }

    [Fact]
    public void OutOfRangeIdsNameTheIdAndTheSize()
    {
        var vocabulary = Vocabulary.Build(Sentence);
        foreach (var id in new[] { vocabulary.Count, -1, 1000 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Token(id));
            Assert.Equal("id", e.ParamName);
            Assert.Equal(id, e.ActualValue);
            Assert.Contains($"{id}", e.Message);
            Assert.Contains($"size {vocabulary.Count}", e.Message);
        }
        var decode = Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Decode([4, 5, 42]));
        Assert.Equal("ids", decode.ParamName);
        Assert.Contains("42", decode.Message);
        Assert.Contains("position 2", decode.Message);
    }

    [Fact]
    public void ConstructorRejectsBadTokenLists()
    {
        Assert.Contains("repeats", Assert.Throws<ArgumentException>(() => new Vocabulary(["a", "b", "a"])).Message);
        Assert.Contains("special", Assert.Throws<ArgumentException>(() => new Vocabulary(["a", "</s>"])).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => new Vocabulary(["a", null!])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new Vocabulary([""])).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Vocabulary.Build(["a", null!])).Message);
        Assert.Throws<ArgumentNullException>(() => Vocabulary.Build(Sentence).Id(null!));
        Assert.Equal(["<pad>", "<unk>", "<s>", "</s>", "z", "a"], new Vocabulary(["z", "a"]).Tokens);
    }

    [Fact]
    public void OneHotUsesTheVocabularySize()
    {
        var vocabulary = Vocabulary.Build(Sentence);
        var ids = vocabulary.Encode(["昨天", "了"]);
        var rows = new float[2 * vocabulary.Count];
        vocabulary.OneHot<float>(ids, rows);
        for (var r = 0; r < 2; r++)
            for (var c = 0; c < vocabulary.Count; c++)
                Assert.Equal(c == ids[r] ? 1f : 0f, rows[r * vocabulary.Count + c]);
        Assert.Throws<ArgumentException>(() => vocabulary.OneHot<float>(ids, new float[vocabulary.Count]));
    }

    [Fact]
    public void SaveAndLoadRoundTripsIncludingChineseAndEmoji()
    {
        var directory = Directory.CreateTempSubdirectory("rnngen-vocab-");
        try
        {
            var path = Path.Combine(directory.FullName, "vocab.json");
            var vocabulary = Vocabulary.Build([.. Sentence, "😀", "👨‍👩‍👧", "\"quoted\"", "tab\there", "我"]);
            vocabulary.Save(path);
            var loaded = Vocabulary.Load(path);
            Assert.Equal(vocabulary.Tokens, loaded.Tokens);
            Assert.Equal(vocabulary.Id("我"), loaded.Id("我"));
            // Readable file: the Chinese words are stored as text, not \u escapes.
            Assert.Contains("昨天", File.ReadAllText(path));

            // Overwriting replaces the file whole and leaves no temporary file behind.
            Vocabulary.Build(["other"]).Save(path);
            Assert.Equal(["<pad>", "<unk>", "<s>", "</s>", "other"], Vocabulary.Load(path).Tokens);
            Assert.Equal(["vocab.json"], directory.GetFiles().Select(f => f.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"format":"something-else","version":1,"tokens":["<pad>","<unk>","<s>","</s>"]}""")]
    [InlineData("""{"format":"rnngen-vocabulary","version":2,"tokens":["<pad>","<unk>","<s>","</s>"]}""")]
    [InlineData("""{"format":"rnngen-vocabulary","version":1}""")]
    [InlineData("""{"format":"rnngen-vocabulary","version":1,"tokens":["<unk>","<pad>","<s>","</s>"]}""")]
    [InlineData("""{"format":"rnngen-vocabulary","version":1,"tokens":["<pad>","<unk>","<s>"]}""")]
    [InlineData("""{"format":"rnngen-vocabulary","version":1,"tokens":["<pad>","<unk>","<s>","</s>","a","a"]}""")]
    [InlineData("""{"format":"rnngen-vocabulary","version":1,"tokens":["<pad>","<unk>","<s>","</s>",7]}""")]
    public void LoadRejectsBadFiles(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => Vocabulary.FromJson(System.Text.Encoding.UTF8.GetBytes(json), "vocab.json"));
        Assert.Contains("vocab.json", e.Message);
    }
}
