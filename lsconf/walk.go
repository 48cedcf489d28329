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
		inspectAll(n.Sections, f)
	case *Section:
		inspectAll(n.Items, f)
	case *Plugin:
		inspectAll(n.Attrs, f)
	case *Attr:
		Inspect(n.Value, f)
	case *Branch:
		inspectAll(n.Cases, f)
		inspectAll(n.Else, f)
	case *Case:
		Inspect(n.Cond, f)
		inspectAll(n.Items, f)
	case *Array:
		inspectAll(n.Elems, f)
	case *Hash:
		inspectAll(n.Entries, f)
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
		inspectAll(n.Args, f)
	}
}

// inspectAll inspects each node of a list in order.
func inspectAll[T Node](nodes []T, f func(Node) bool) {
	for _, n := range nodes {
		Inspect(n, f)
	}
}
