using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Model
{
    /// <summary>The reverse edges of the equation graph, for the passes that walk from a value to its readers.</summary>
    internal static class NodeConsumers
    {
        /// <summary>For every node, the (consumer, argument position) edges that read it, consumers in order.</summary>
        public static List<(int Consumer, int Position)>[] Of(IReadOnlyList<CellNode> nodes)
        {
            var consumers = nodes.Select(_ => new List<(int Consumer, int Position)>()).ToArray();
            foreach (var node in nodes)
            {
                if (node.IsLeaf) continue;
                consumers[node.Left].Add((node.Id, 0));
                if (node.ArgumentCount == 2) consumers[node.Right].Add((node.Id, 1));
            }
            return consumers;
        }
    }
}
