using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Model
{
    /// <summary>
    /// Folds <c>W x + U h</c> into one input-product slot: the runtime accumulates h·Uᵀ into the step's Zx block
    /// (cuDNN's scheme), so the forward pass reads one value per gate and the backward pass writes one adjoint that
    /// serves dW, dU and dh alike. Applies to the leading matrices of each state group whose product is only ever
    /// added to an input product that is used nowhere else, slot for slot.
    /// </summary>
    internal static class ProductFusion
    {
        public static CellModel Apply(CellModel model)
        {
            var nodes = model.Nodes.ToList();
            var consumers = NodeConsumers.Of(nodes);
            var productNode = nodes.Where(n => n.Kind is NodeKind.InputProduct or NodeKind.StateProduct or NodeKind.StageProduct)
                .ToDictionary(n => n.Index, n => n.Id);
            var sinks = new HashSet<int>(model.StateValues.Concat(model.Operands.Select(o => o.Node)));

            var groups = model.Groups.ToList();
            var products = model.Products.ToList();
            var productOf = Enumerable.Range(0, products.Count).ToDictionary(p => products[p].Matrix);
            for (var g = 0; g < groups.Count; g++)
            {
                if (groups[g].Kind != OperandKind.State) continue;
                var fused = 0;
                var fusedOffset = -1;
                var sums = new List<(int Sum, int Input)>();
                foreach (var matrix in groups[g].Matrices)
                {
                    var q = productNode[productOf[matrix]];
                    if (consumers[q].Count != 1 || sinks.Contains(q)) break;
                    var sum = nodes[consumers[q][0].Consumer];
                    if (sum.Kind != NodeKind.Add || sum.Left == sum.Right) break;
                    var p = nodes[sum.Left == q ? sum.Right : sum.Left];
                    if (p.Kind != NodeKind.InputProduct || consumers[p.Id].Count != 1 || sinks.Contains(p.Id)) break;
                    var slot = products[p.Index].Slot;
                    if (fusedOffset >= 0 && slot != fusedOffset + fused) break;
                    if (fusedOffset < 0) fusedOffset = slot;
                    sums.Add((sum.Id, p.Id));
                    fused++;
                }
                if (fused == 0) continue;
                // The sum node becomes the input-product leaf: its value is now read from Zx.
                foreach (var (sum, input) in sums)
                {
                    var p = nodes[input];
                    var q = OtherChild(nodes[sum], input);
                    var name = nodes[sum].Name.Length > 0 ? nodes[sum].Name : p.Name + "_" + nodes[q].Name;
                    nodes[sum] = nodes[sum] with { Kind = NodeKind.InputProduct, Left = -1, Right = -1, Index = p.Index, Name = name, Stage = 0 };
                    // The two products are now unused: plain constants nobody reads.
                    nodes[input] = p with { Kind = NodeKind.Constant, Index = -1, Name = "" };
                    nodes[q] = nodes[q] with { Kind = NodeKind.Constant, Index = -1, Name = "" };
                }
                groups[g] = groups[g] with { Fused = fused, FusedOffset = fusedOffset };
            }

            // Renumber the Zh blocks of the matrices that still go through Zh.
            var offset = 0;
            for (var g = 0; g < groups.Count; g++)
            {
                if (groups[g].Kind != OperandKind.State) continue;
                groups[g] = groups[g] with { Offset = offset };
                for (var i = groups[g].Fused; i < groups[g].Matrices.Count; i++)
                {
                    var index = productOf[groups[g].Matrices[i]];
                    products[index] = products[index] with { Slot = offset + i - groups[g].Fused };
                }
                offset += groups[g].Matrices.Count - groups[g].Fused;
            }
            return model with
            {
                Nodes = nodes.ToEquatableArray(),
                Groups = groups.ToEquatableArray(),
                Products = products.ToEquatableArray(),
            };
        }

        private static int OtherChild(CellNode sum, int child) => sum.Left == child ? sum.Right : sum.Left;
    }
}
