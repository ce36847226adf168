using RnnGen.Data;

namespace RnnGen.Tests.Data;

public class TokenizerTests
{
    [Fact]
    public void WhitespaceTokenizerSplitsSegmentedChinese()
    {
        ITokenizer tokenizer = new WhitespaceTokenizer();
        Assert.Equal(VocabularyTests.Sentence, tokenizer.Tokenize("我 昨天 上学 迟到 了"));
        Assert.Equal("我 昨天 上学 迟到 了", tokenizer.Detokenize(VocabularyTests.Sentence));
    }

    [Fact]
    public void WhitespaceTokenizerSplitsOnAnyWhitespaceRun()
    {
        var tokenizer = new WhitespaceTokenizer();
        // Runs of spaces, tabs, newlines, the ideographic space U+3000 and a no-break space; leading and trailing too.
        Assert.Equal(["我", "昨天", "上学", "迟到", "了", "😀", "ok"],
            tokenizer.Tokenize("  我\t昨天\r\n上学\u3000迟到   了\u00A0😀 ok\n"));
        Assert.Empty(tokenizer.Tokenize(""));
        Assert.Empty(tokenizer.Tokenize(" \t\n\u3000 "));
        // Unsegmented text stays one token: this tokenizer never guesses word boundaries.
        Assert.Equal(["我昨天上学迟到了"], tokenizer.Tokenize("我昨天上学迟到了"));
        Assert.Throws<ArgumentNullException>(() => tokenizer.Tokenize(null!));
    }

    [Fact]
    public void CharacterTokenizerKeepsChineseCharactersWhole()
    {
        ITokenizer tokenizer = new CharacterTokenizer();
        Assert.Equal(["中", "文"], tokenizer.Tokenize("中文"));
        Assert.Equal(["我", "昨", "天", "上", "学", "迟", "到", "了"], tokenizer.Tokenize("我昨天上学迟到了"));
        // 𠀀 (U+20000) lies outside the BMP: a surrogate pair in UTF-16, still one character.
        Assert.Equal(["𠀀", "中"], tokenizer.Tokenize("𠀀中"));
    }

    [Fact]
    public void CharacterTokenizerHandlesMixedScriptsAndEmoji()
    {
        var tokenizer = new CharacterTokenizer();
        // é here is e + U+0301 (combining acute), one user-perceived character in two scalar values.
        const string text = "Hi 你好😀! e\u0301👍🏽👨‍👩‍👧🇨🇳";
        var tokens = tokenizer.Tokenize(text);
        Assert.Equal(["H", "i", " ", "你", "好", "😀", "!", " ", "e\u0301", "👍🏽", "👨‍👩‍👧", "🇨🇳"], tokens);
        Assert.Equal(text, tokenizer.Detokenize(tokens));
        Assert.Empty(tokenizer.Tokenize(""));
    }

    [Fact]
    public void RuneTokenizerSplitsScalarValues()
    {
        var tokenizer = new CharacterTokenizer(CharacterUnit.Rune);
        Assert.Equal(["你", "😀"], tokenizer.Tokenize("你😀"));
        // A skin-tone emoji is two scalar values, and a flag two regional indicators.
        Assert.Equal(["👍", "🏽", "🇨", "🇳"], tokenizer.Tokenize("👍🏽🇨🇳"));
        Assert.Equal(["e", "\u0301"], tokenizer.Tokenize("e\u0301"));
        // A lone surrogate cannot be a token of its own; it becomes U+FFFD.
        Assert.Equal(["a", "\uFFFD", "b"], tokenizer.Tokenize("a\uD800b"));
        Assert.Equal("你😀", tokenizer.Detokenize(tokenizer.Tokenize("你😀")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CharacterTokenizer((CharacterUnit)7));
    }

    [Fact]
    public void TokenizersFeedAVocabularyThatRoundTrips()
    {
        string[] corpus = ["我 昨天 上学 迟到 了", "我 今天 上学 了", "他 昨天 迟到 了 😀"];
        foreach (ITokenizer tokenizer in new ITokenizer[] { new WhitespaceTokenizer(), new CharacterTokenizer() })
        {
            var vocabulary = Vocabulary.Build(corpus.SelectMany(tokenizer.Tokenize));
            foreach (var line in corpus)
            {
                var ids = vocabulary.Encode(tokenizer.Tokenize(line), addStart: true, addEnd: true);
                Assert.DoesNotContain(Vocabulary.UnknownId, ids);
                Assert.Equal(line, tokenizer.Detokenize(vocabulary.Decode(ids)));
            }
        }
    }
}
