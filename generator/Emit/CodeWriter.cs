using System.Text;

namespace RnnGen.Generator.Emit
{
    /// <summary>Indented text output for generated sources.</summary>
    internal sealed class CodeWriter
    {
        private readonly StringBuilder _text = new();

        public int Indent { get; set; }

        public void Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', Indent * 4).Append(line);
            _text.Append('\n');
        }

        public void Open() { Line("{"); Indent++; }

        public void Close() { Indent--; Line("}"); }

        public override string ToString() => _text.ToString();
    }
}
