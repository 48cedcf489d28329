package lsconf

// Inspect visits n and everything below it in source order: sections,
// items, plugins, attributes, values (hash entries, keys included),
// conditions and their operands. f is called with each node; if it returns
// false, the node's children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Config:
		for _, s := range n.Sections {
			Inspect(s, f)
		}
	case *Section:
		inspectItems(n.Items, f)
	case *Plugin:
		for _, a := range n.Attrs {
			Inspect(a, f)
		}
	case *Attr:
		Inspect(n.Value, f)
	case *Branch:
		for _, c := range n.Cases {
			Inspect(c, f)
		}
		inspectItems(n.Else, f)
	case *Case:
		Inspect(n.Cond, f)
		inspectItems(n.Items, f)
	case *Array:
		for _, e := range n.Elems {
			Inspect(e, f)
		}
	case *Hash:
		for _, e := range n.Entries {
			Inspect(e, f)
		}
	case *HashEntry:
		Inspect(n.Key, f)
		Inspect(n.Value, f)
	case *PluginValue:
		Inspect(n.Plugin, f)
	case *Binary:
		Inspect(n.L, f)
		Inspect(n.R, f)
	case *Not:
		Inspect(n.X, f)
	case *Compare:
		Inspect(n.L, f)
		Inspect(n.R, f)
	case *Match:
		Inspect(n.L, f)
		Inspect(n.R, f)
	case *In:
		Inspect(n.L, f)
		Inspect(n.R, f)
	case *MethodCall:
		for _, a := range n.Args {
			Inspect(a, f)
		}
	}
}

func inspectItems(items []Item, f func(Node) bool) {
	for _, it := range items {
		Inspect(it, f)
	}
}
