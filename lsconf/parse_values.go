package lsconf

// parsePlugin parses
//
//	name cs "{" cs (attribute (whitespace cs attribute)*)? cs "}"
func (p *parser) parsePlugin() *Plugin {
	start := p.off
	name, quoted := p.parseName("a plugin name, if or }")
	if quoted {
		// Plugin#plugin_name in lscl.rb is the name's text_value, quotes
		// included, so the plugin lookup cannot succeed.
		p.report(start, "quoted plugin name %q: Logstash looks plugins up by the name with its quotes and would not find it", name)
	}
	p.cs()
	if p.peek() != '{' {
		p.fail(p.off, "expected { after plugin name %q, found %s", name, p.describe(p.off))
	}
	open := p.off
	p.off++
	pl := &Plugin{Name: name, Pos: p.lines.pos(start)}
	p.cs()
	if p.peek() == '}' {
		p.off++
		return pl
	}
	for {
		attr := p.parseAttr()
		pl.Attrs = append(pl.Attrs, attr)
		afterValue := p.off
		sep := p.skipWS()
		p.cs()
		switch {
		case p.peek() == '}':
			p.off++
			return pl
		case p.eof():
			p.fail(p.off, "expected } to close plugin %q opened at %s", name, p.lines.pos(open))
		case !sep:
			hint := ""
			if _, ok := attr.Value.(*Bareword); ok {
				hint = " (a bareword holds only letters, digits and _; quote the value)"
			}
			p.fail(afterValue, "expected whitespace or } after the value of %q, found %s%s", attr.Name, p.describe(afterValue), hint)
		}
	}
}

// parseName parses the grammar's name rule, [A-Za-z0-9_-]+ / string, used
// for plugin and attribute names. A quoted name is returned without its
// quotes and, as in Attribute#expr, without escape processing.
func (p *parser) parseName(expected string) (name string, quoted bool) {
	start := p.off
	if q := p.peek(); q == '"' || q == '\'' {
		raw, ok := p.scanQuoted(q)
		if !ok {
			p.fail(start, "unterminated string: missing closing %c", q)
		}
		return raw, true
	}
	name = p.scanName()
	if name == "" {
		p.fail(start, "expected %s, found %s", expected, p.describe(start))
	}
	return name, false
}

// parseAttr parses name cs "=>" cs value.
func (p *parser) parseAttr() *Attr {
	start := p.off
	name, _ := p.parseName("an attribute name or }")
	p.cs()
	if !p.hasPrefix("=>") {
		p.fail(p.off, "expected => after attribute name %q, found %s", name, p.describe(p.off))
	}
	p.off += len("=>")
	p.cs()
	a := &Attr{Name: name, Pos: p.lines.pos(start)}
	a.Value = p.parseValue()
	return a
}

// parseValue parses plugin / bareword / string / number / array / hash, in
// that order of preference: `codec => json` is a bareword but
// `codec => json { }` a plugin, so a name followed by { decides.
func (p *parser) parseValue() Value {
	p.enter()
	defer p.leave()
	start := p.off
	c := p.peek()
	if p.pluginAhead() {
		return &PluginValue{Plugin: p.parsePlugin()}
	}
	switch {
	case c == '"' || c == '\'':
		return p.parseString()
	case c == '-' || isDigit(c):
		return p.parseNumber()
	case isLetter(c) || c == '_':
		w, ok := p.scanBareword()
		if !ok {
			p.fail(start, "expected a value, found %s: a bareword needs at least two characters; quote it", p.describe(start))
		}
		pos := p.lines.pos(start)
		if w == "true" || w == "false" {
			return &Bool{Value: w == "true", Pos: pos}
		}
		return &Bareword{Text: w, Pos: pos}
	case c == '[':
		return p.parseArray()
	case c == '{':
		return p.parseHash()
	}
	p.fail(start, "expected a value (string, number, bareword, array, hash or plugin), found %s", p.describe(start))
	return nil
}

// pluginAhead reports whether a plugin starts here: a name (bare or
// quoted), then { after any whitespace and comments.
func (p *parser) pluginAhead() bool {
	save := p.off
	defer func() { p.off = save }()
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		if _, ok := p.scanQuoted(c); !ok {
			return false
		}
	case p.scanName() == "":
		return false
	}
	return p.skipCS() < 0 && p.peek() == '{'
}

func (p *parser) parseString() *String {
	start := p.off
	q := p.peek()
	raw, ok := p.scanQuoted(q)
	if !ok {
		p.fail(start, "unterminated string: missing closing %c", q)
	}
	v := raw
	if p.opts.SupportEscapes {
		v = processEscapes(raw)
	}
	return &String{Value: v, Raw: raw, Quote: q, Pos: p.lines.pos(start)}
}

func (p *parser) parseNumber() *Number {
	start := p.off
	text, ok := p.scanNumber()
	if !ok {
		p.fail(start, "expected a number, found %s", p.describe(start))
	}
	n := &Number{Text: text, Pos: p.lines.pos(start)}
	if err := n.check(); err != nil {
		// The grammar takes it; Ruby's Integer()/Float() in Number#expr
		// then refuse it, failing the pipeline.
		p.report(start, "%v", err)
	}
	return n
}

// parseArray parses "[" cs (value (cs "," cs value)*)? cs "]".
func (p *parser) parseArray() *Array {
	open := p.off
	arr := &Array{Pos: p.lines.pos(open)}
	p.off++
	p.cs()
	if p.peek() == ']' {
		p.off++
		return arr
	}
	for {
		arr.Elems = append(arr.Elems, p.parseValue())
		p.cs()
		switch p.peek() {
		case ',':
			comma := p.off
			p.off++
			p.cs()
			if p.peek() == ']' {
				p.fail(comma, "trailing comma in array: Logstash's grammar does not allow one")
			}
		case ']':
			p.off++
			return arr
		default:
			if p.eof() {
				p.fail(p.off, "expected ] to close array opened at %s", p.lines.pos(open))
			}
			p.fail(p.off, "expected , or ] in array, found %s", p.describe(p.off))
		}
	}
}

// parseHash parses "{" cs (hashentry (cs hashentry)*)? cs "}".
func (p *parser) parseHash() *Hash {
	open := p.off
	h := &Hash{Pos: p.lines.pos(open)}
	p.off++
	seen := map[string]int{}
	for {
		p.cs()
		switch {
		case p.peek() == '}':
			p.off++
			return h
		case p.eof():
			p.fail(p.off, "expected } to close hash opened at %s", p.lines.pos(open))
		case p.peek() == ',':
			p.fail(p.off, "unexpected , in hash: Logstash separates hash entries with whitespace, not commas")
		}
		keyOff := p.off
		e := p.parseHashEntry()
		// Hash#find_duplicate_keys compares the keys' source text, so "a"
		// and 'a' are different keys to Logstash.
		raw := string(p.src[keyOff:e.keyEnd])
		if seen[raw]++; seen[raw] == 2 {
			p.report(keyOff, "duplicate key %s in hash (Logstash rejects the configuration: \"Duplicate keys found\")", raw)
		}
		h.Entries = append(h.Entries, e.HashEntry)
	}
}

type parsedEntry struct {
	*HashEntry
	keyEnd int
}

// parseHashEntry parses (number / bareword / string) cs "=>" cs value.
func (p *parser) parseHashEntry() parsedEntry {
	start := p.off
	var key Value
	switch c := p.peek(); {
	case c == '-' || isDigit(c):
		key = p.parseNumber()
	case c == '"' || c == '\'':
		key = p.parseString()
	case isLetter(c) || c == '_':
		w, ok := p.scanBareword()
		if !ok {
			p.fail(start, "hash key %s is a single letter: a bareword needs at least two characters; quote it", p.describe(start))
		}
		key = &Bareword{Text: w, Pos: p.lines.pos(start)}
	default:
		p.fail(start, "expected a hash key (string, number or bareword) or }, found %s", p.describe(start))
	}
	keyEnd := p.off
	pos := p.lines.pos(start)
	p.cs()
	if !p.hasPrefix("=>") {
		p.fail(p.off, "expected => after hash key %s, found %s", p.src[start:keyEnd], p.describe(p.off))
	}
	p.off += len("=>")
	p.cs()
	v := p.parseValue()
	return parsedEntry{&HashEntry{Key: key, Value: v, Pos: pos}, keyEnd}
}
