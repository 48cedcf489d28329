package lsconf

// Clone returns a deep copy of c, so that a caller can rewrite a tree (as
// Substitute does) and keep the original.
func (c *Config) Clone() *Config {
	out := &Config{Sections: make([]*Section, len(c.Sections))}
	for i, s := range c.Sections {
		out.Sections[i] = &Section{Kind: s.Kind, Items: cloneItems(s.Items), Pos: s.Pos}
	}
	return out
}

func cloneItems(items []Item) []Item {
	if items == nil {
		return nil
	}
	out := make([]Item, len(items))
	for i, it := range items {
		switch it := it.(type) {
		case *Plugin:
			out[i] = clonePlugin(it)
		case *Branch:
			br := &Branch{Else: cloneItems(it.Else), ElsePos: it.ElsePos, Pos: it.Pos}
			for _, c := range it.Cases {
				br.Cases = append(br.Cases, &Case{Cond: CloneExpr(c.Cond), Items: cloneItems(c.Items), Pos: c.Pos})
			}
			out[i] = br
		}
	}
	return out
}

func clonePlugin(p *Plugin) *Plugin {
	out := &Plugin{Name: p.Name, Pos: p.Pos}
	if p.Attrs != nil {
		out.Attrs = make([]*Attr, len(p.Attrs))
		for i, a := range p.Attrs {
			out.Attrs[i] = &Attr{Name: a.Name, Value: CloneValue(a.Value), Pos: a.Pos}
		}
	}
	return out
}

// CloneValue returns a deep copy of v.
func CloneValue(v Value) Value {
	switch v := v.(type) {
	case *String:
		c := *v
		return &c
	case *Number:
		c := *v
		return &c
	case *Bool:
		c := *v
		return &c
	case *Bareword:
		c := *v
		return &c
	case *Array:
		return cloneArray(v)
	case *Hash:
		h := &Hash{Pos: v.Pos}
		if v.Entries != nil {
			h.Entries = make([]*HashEntry, len(v.Entries))
			for i, e := range v.Entries {
				h.Entries[i] = &HashEntry{Key: CloneValue(e.Key), Value: CloneValue(e.Value), Pos: e.Pos}
			}
		}
		return h
	case *PluginValue:
		return &PluginValue{Plugin: clonePlugin(v.Plugin)}
	}
	return v
}

func cloneArray(a *Array) *Array {
	out := &Array{Pos: a.Pos}
	if a.Elems != nil {
		out.Elems = make([]Value, len(a.Elems))
		for i, e := range a.Elems {
			out.Elems[i] = CloneValue(e)
		}
	}
	return out
}

// CloneExpr returns a deep copy of e.
func CloneExpr(e Expr) Expr {
	switch e := e.(type) {
	case *Binary:
		return &Binary{Op: e.Op, L: CloneExpr(e.L), R: CloneExpr(e.R), Pos: e.Pos}
	case *Not:
		return &Not{X: CloneExpr(e.X), Pos: e.Pos}
	case *Compare:
		return &Compare{Op: e.Op, L: CloneExpr(e.L), R: CloneExpr(e.R), Pos: e.Pos}
	case *Match:
		return &Match{Op: e.Op, L: CloneExpr(e.L), R: CloneExpr(e.R), Pos: e.Pos}
	case *In:
		return &In{Negate: e.Negate, L: CloneExpr(e.L), R: CloneExpr(e.R), Pos: e.Pos}
	case *Selector:
		c := *e
		c.Ref.Path = append([]string(nil), e.Ref.Path...)
		return &c
	case *Regex:
		c := *e
		return &c
	case *MethodCall:
		mc := &MethodCall{Name: e.Name, Pos: e.Pos}
		for _, a := range e.Args {
			mc.Args = append(mc.Args, CloneExpr(a))
		}
		return mc
	case *String, *Number:
		return CloneValue(e.(Value)).(Expr)
	case *Array:
		return cloneArray(e)
	}
	return e
}
