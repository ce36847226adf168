using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Differentiation
{
    /// <summary>The scan schedule's coefficient pass and whether it writes the whole tape (then no step pass follows the scan).</summary>
    internal sealed record ScanCoefficientPass(KernelPass Pass, bool WholeTape);

    /// <summary>
    /// Derives the coefficient pass of a scan cell from its forward pass (one stage; docs/parallel-scan.md): each scanned
    /// state's update evaluated at s = 0 is b, at s = 1 it is a + b, so a = (a + b) − b — exact for an affine update up
    /// to one rounding. Values that read no state are computed once, those that do twice (at 0 and at 1); the tape
    /// entries that read no state are written too. Output-map states and the rest of the tape are left to the step pass.
    /// The inference variant (a forward nothing back-propagates through) is the same pass without the tape stores, and so
    /// without the values only they read.
    /// </summary>
    internal static class ScanCoefficients
    {
        /// <param name="keepTape">Store the tape entries that read no state (a forward recorded for backward).</param>
        public static ScanCoefficientPass Build(KernelPass forward, IReadOnlyList<int> scanned, bool keepTape)
        {
            var lets = forward.Statements.OfType<Let>().ToList();
            var stateful = new HashSet<string>();
            foreach (var let in lets)
                if (ReadsState(let.Value, stateful)) stateful.Add(let.Name);
            var stores = forward.Statements.OfType<Store>().ToList();
            var states = stores.Where(s => s.Buffer == KernelBuffer.Next && scanned[s.Slot] == 1).ToList();
            var stateFreeTape = stores.Where(s => s.Buffer == KernelBuffer.Tape && !ReadsState(s.Value, stateful)).ToList();
            var tape = keepTape ? stateFreeTape : new List<Store>();
            var needed = Needed(lets, states.Concat(tape).Select(s => s.Value));

            var taken = new HashSet<string>(lets.Select(l => l.Name));
            var ordered = lets.Select(l => l.Name).Where(stateful.Contains).ToList();
            var at = new[] { Names(ordered, taken, "_at0"), Names(ordered, taken, "_at1") };
            var statements = new List<Statement> { new Remark("values of this row; those that read a state at s = 0 and at s = 1") };
            foreach (var let in lets.Where(l => needed.Contains(l.Name)))
            {
                if (!stateful.Contains(let.Name)) { statements.Add(let); continue; }
                statements.Add(new Let(at[0][let.Name], Substitute(let.Value, 0, at[0])));
                statements.Add(new Let(at[1][let.Name], Substitute(let.Value, 1, at[1])));
            }
            statements.Add(new Remark(keepTape ? "b = s' at s = 0; a = s' at s = 1 − b; the tape entries that read no state" : "b = s' at s = 0; a = s' at s = 1 − b"));
            foreach (var store in states)
            {
                var b = Substitute(store.Value, 0, at[0]);
                statements.Add(new Store(KernelBuffer.ScanB, store.Slot, b, false));
                statements.Add(new Store(KernelBuffer.ScanA, store.Slot, new IrBinary('-', Substitute(store.Value, 1, at[1]), b), false));
            }
            statements.AddRange(tape);
            var wholeTape = stateFreeTape.Count == stores.Count(s => s.Buffer == KernelBuffer.Tape) && scanned.All(s => s == 1);
            return new ScanCoefficientPass(new KernelPass(forward.Stage, statements), wholeTape);
        }

        private static bool ReadsState(Ir value, HashSet<string> stateful) =>
            IrBuilder.Leaves(value).Any(leaf => leaf is IrLoad { Buffer: KernelBuffer.Prev or KernelBuffer.Next } || leaf is IrRef r && stateful.Contains(r.Name));

        /// <summary>The lets the given values reach, through other lets.</summary>
        private static HashSet<string> Needed(List<Let> lets, IEnumerable<Ir> values)
        {
            var byName = lets.ToDictionary(l => l.Name, l => l.Value);
            var needed = new HashSet<string>();
            var pending = new Stack<Ir>(values);
            while (pending.Count > 0)
                foreach (var reference in IrBuilder.Leaves(pending.Pop()).OfType<IrRef>())
                    if (byName.TryGetValue(reference.Name, out var value) && needed.Add(reference.Name)) pending.Push(value);
            return needed;
        }

        /// <summary>A fresh name per stateful let for one evaluation point, clear of every other name.</summary>
        private static Dictionary<string, string> Names(List<string> stateful, HashSet<string> taken, string suffix)
        {
            var names = new Dictionary<string, string>();
            foreach (var name in stateful)
            {
                var fresh = name + suffix;
                while (!taken.Add(fresh)) fresh += "_";
                names[name] = fresh;
            }
            return names;
        }

        /// <summary>The value with every previous state replaced by the constant and every stateful let by its copy.</summary>
        private static Ir Substitute(Ir value, double state, Dictionary<string, string> names) => value switch
        {
            IrLoad { Buffer: KernelBuffer.Prev } => new IrConst(state),
            IrRef reference when names.TryGetValue(reference.Name, out var copy) => new IrRef(copy),
            IrNegate negate => new IrNegate(Substitute(negate.Operand, state, names)),
            IrBinary binary => new IrBinary(binary.Operator, Substitute(binary.Left, state, names), Substitute(binary.Right, state, names)),
            IrCall call => new IrCall(call.Method, call.Arguments.Select(a => Substitute(a, state, names)).ToArray()),
            _ => value,
        };
    }
}
