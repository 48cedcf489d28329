// Package billing compiles dCache billing templates — the StringTemplate
// formats of the properties billing.text.format.<message-type>, and the
// "## <message-type> <template>" headers dCache writes at the top of each
// billing file — into format.Formats, and picks the format of a billing
// line by its message type.
//
// An attribute lands where the shipped grok patterns (patterns/files/dcache,
// configs/dcache.yml) put it, under [dcache][…] (see Attributes); any other
// attribute lands under [dcache][<snake_case>] as text. The date is a
// format.Time field with no target: its parts are the timestamp.
//
// A template with $if$ blocks compiles into a Set of formats, one per
// combination of branches, tried in order.
package billing

import (
	"fmt"
	"strings"

	"github.com/ingestd/ingestd/format"
)

// Attr is how one template attribute reads and where it goes.
type Attr struct {
	Target string
	Kind   format.Kind
	// Dash: "-" stands for no value (the IO statistics of a mover
	// without reads or writes).
	Dash bool
	// KeepEmpty: an empty text is a value (""), not no value. The shipped
	// parser keeps the error message and the owner when empty
	// (keep_empty_fields); everything else empty is left out.
	KeepEmpty bool
	// Enum lists the texts a field can be (true/false).
	Enum map[string]string
	// Exclude are bytes the text cannot hold (the shipped patterns'
	// [^:\]]), checked while the core searches for the field's end.
	Exclude string
}

var boolEnum = map[string]string{"true": "true", "false": "false"}

// Attributes are the attributes dCache's StringTemplateInfoMessageVisitor
// (dCache/dcache: modules/dcache/src/main/java/org/dcache/services/billing/text/StringTemplateInfoMessageVisitor.java)
// gives the billing templates, and the properties the defaults and
// billing.properties' documentation use, with the shipped parser's field
// names.
var Attributes = map[string]Attr{
	// InfoMessage.
	"date":        {Kind: format.Time},
	"cellType":    {Target: "[dcache][cell_type]", Kind: format.Token, Exclude: ":]"},
	"cellName":    {Target: "[dcache][cell_name]", Kind: format.Text, Exclude: "]"},
	"type":        {Target: "[dcache][msg_type]", Kind: format.Token, Exclude: ":]"},
	"rc":          {Target: "[dcache][rc]", Kind: format.Int},
	"message":     {Target: "[dcache][error_message]", Kind: format.Message, KeepEmpty: true},
	"queuingTime": {Target: "[dcache][queuing_time]", Kind: format.Int},
	"session":     {Target: "[dcache][session]", Kind: format.Text},
	"subject":     {Target: "[dcache][subject]", Kind: format.Text},
	// The cell's name without its domain: the shipped parser has the
	// name as printed in cell_name and splits it at '@' into cell and
	// cell_domain, so cellName.cell is cell_name too.
	"cellName.cell":        {Target: "[dcache][cell_name]", Kind: format.Text, Exclude: "]@"},
	"cellName.domain":      {Target: "[dcache][cell_domain]", Kind: format.Token},
	"cellName.isQualified": {Target: "[dcache][cell_qualified]", Kind: format.Enum, Enum: boolEnum},
	// PnfsFileInfoMessage. The pnfsid is empty ("[,0]") when unknown.
	"pnfsid":   {Target: "[dcache][pnfsid]", Kind: format.Text, Exclude: " ,[]"},
	"path":     {Target: "[dcache][path]", Kind: format.Text},
	"filesize": {Target: "[dcache][filesize]", Kind: format.Int},
	// storage as a whole (its toString, or the $if(storage)$ block of the
	// defaults, see Variant.Groups) is storage_info, "class@hsm".
	"storage":              {Target: "[dcache][storage_info]", Kind: format.Token},
	"storage.storageClass": {Target: "[dcache][storage_class]", Kind: format.Token},
	"storage.hsm":          {Target: "[dcache][hsm]", Kind: format.Token, Exclude: "@"},
	"storage.stored":       {Target: "[dcache][stored]", Kind: format.Enum, Enum: boolEnum},
	// MoverInfoMessage.
	"transferred":           {Target: "[dcache][transferred]", Kind: format.Int},
	"connectionTime":        {Target: "[dcache][connection_time]", Kind: format.Int},
	"created":               {Target: "[dcache][created]", Kind: format.Enum, Enum: boolEnum},
	"protocol":              {Target: "[dcache][protocol_raw]", Kind: format.Text},
	"initiator":             {Target: "[dcache][initiator]", Kind: format.Text},
	"p2p":                   {Target: "[dcache][p2p]", Kind: format.Enum, Enum: boolEnum},
	"transferPath":          {Target: "[dcache][transfer_path]", Kind: format.Text},
	"meanReadBandwidth":     {Target: "[dcache][mean_read_bandwidth]", Kind: format.Token},
	"meanWriteBandwidth":    {Target: "[dcache][mean_write_bandwidth]", Kind: format.Token},
	"readIdle":              {Target: "[dcache][read_idle]", Kind: format.Int, Dash: true},
	"readActive":            {Target: "[dcache][read_active]", Kind: format.Int, Dash: true},
	"writeIdle":             {Target: "[dcache][write_idle]", Kind: format.Int, Dash: true},
	"writeActive":           {Target: "[dcache][write_active]", Kind: format.Int, Dash: true},
	"protocol.protocol":     {Target: "[dcache][protocol_name]", Kind: format.Token},
	"protocol.majorVersion": {Target: "[dcache][protocol_major_version]", Kind: format.Int},
	"protocol.minorVersion": {Target: "[dcache][protocol_minor_version]", Kind: format.Int},
	// DoorRequestInfoMessage. The door's client block is client_chain in
	// the shipped parser whichever attribute printed it ($client$ before
	// dCache 2.10's clientChain); see clientTarget.
	"transactionTime": {Target: "[dcache][transaction_time]", Kind: format.Int},
	"uid":             {Target: "[dcache][uid]", Kind: format.Int},
	"gid":             {Target: "[dcache][gid]", Kind: format.Int},
	"owner":           {Target: "[dcache][owner]", Kind: format.Text, KeepEmpty: true},
	"client":          {Target: "[dcache][client]", Kind: format.Text, Exclude: "]"},
	"clientChain":     {Target: "[dcache][client_chain]", Kind: format.Text, Exclude: "]"},
	// StorageInfoMessage.
	"transferTime": {Target: "[dcache][transfer_time]", Kind: format.Int},
	// PoolHitInfoMessage.
	"cached": {Target: "[dcache][cached]", Kind: format.Enum, Enum: boolEnum},
}

// attribute is the Attr of a name: the table's, else text under
// [dcache][<snake_case>] ("subject.primaryGid" → subject_primary_gid).
func attribute(name string) (Attr, bool) {
	if a, ok := Attributes[name]; ok {
		return a, true
	}
	return Attr{Target: "[dcache][" + snake(name) + "]", Kind: format.Text}, false
}

// snake turns "storage.storageClass" into "storage_storage_class".
func snake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if i > 0 && s[i-1] != '.' && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			b.WriteByte(c + 'a' - 'A')
		case c == '.' || c == '-':
			b.WriteByte('_')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// DefaultDateLayout is how $date$ prints without a format option
// (dCache/dcache: modules/dcache/src/main/java/diskCacheV111/cells/DateRenderer.java).
const DefaultDateLayout = "MM.dd HH:mm:ss"

// MaxVariants bounds how many formats one template may expand into.
const MaxVariants = 64

// Group is a run of fields whose text, together with the literals between
// them, is one more value: $if(storage)$$storage.storageClass$@$storage.hsm$$endif$
// is storage_info "atlas:default@osm" as the shipped parser records it.
// The value is line[Spans[First].Start:Spans[Last].End].
type Group struct {
	Target      string
	First, Last int
}

// Const is a value a variant implies: the $else$ of $if(storage)$ prints
// "<Unknown>", which the shipped parser records as storage_info.
type Const struct {
	Target, Value string
}

// Variant is one format of a Set: the template with each $if$ resolved.
type Variant struct {
	Format *format.Format
	// MsgType is the Set's message type ("mover-info-message").
	MsgType string
	// Conds are the $if$ conditions this variant assumes, in order.
	Conds  []Cond
	Groups []Group
	Consts []Const
	// dropEmpty are the fields whose empty text is no value.
	dropEmpty []int
}

// Set is a compiled billing template: its variants, tried in order. It is
// immutable and safe for concurrent use.
type Set struct {
	msgType  string
	template string
	variants []*Variant
}

// MsgType is the message type the template is for.
func (s *Set) MsgType() string { return s.msgType }

// Template is the template as declared.
func (s *Set) Template() string { return s.template }

// Variants are the Set's formats in the order Scan tries them.
func (s *Set) Variants() []*Variant { return s.variants }

// Compile compiles the template of a message type ("mover-info-message")
// into a Set. The template is as dCache uses it, after its configuration
// files' "$$" → "$" (as the "## " headers show it; see ExpandProperty).
func Compile(msgType, template string) (*Set, error) {
	nodes, err := parseTemplate(template)
	if err != nil {
		return nil, fmt.Errorf("billing template %s: %w", msgType, err)
	}
	flats, err := expand(nodes, MaxVariants)
	if err != nil {
		return nil, fmt.Errorf("billing template %s: %w", msgType, err)
	}
	hasChain := strings.Contains(template, "$clientChain")
	s := &Set{msgType: msgType, template: template}
	for i, fl := range flats {
		name := msgType
		if len(flats) > 1 {
			name = fmt.Sprintf("%s#%d", msgType, i+1)
		}
		v, err := compileVariant(name, template, fl, hasChain)
		if err != nil {
			return nil, fmt.Errorf("billing template %s: %w", msgType, err)
		}
		v.MsgType = msgType
		if word := typeWords[msgType]; word != "" && !strings.Contains(template, "$type$") {
			// A site's template without $type$: the header named the
			// message type, and the entry's kind follows from it.
			v.Consts = append(v.Consts, Const{Target: "[dcache][msg_type]", Value: word})
		}
		s.variants = append(s.variants, v)
	}
	return s, nil
}

// typeWords are the type words ($type$) the message types print, where a
// message type has one: typeHints turned around, each word whose lines
// are of one message type first (a storage-info-message is a store or a
// restore; doors bill a remove too, but a remove line is a
// remove-file-info-message first).
var typeWords = func() map[string]string {
	words := map[string][]string{}
	for word, types := range typeHints {
		words[types[0]] = append(words[types[0]], word)
	}
	out := map[string]string{}
	for msgType, ws := range words {
		if len(ws) == 1 {
			out[msgType] = ws[0]
		}
	}
	return out
}()

func compileVariant(name, template string, fl flat, hasChain bool) (*Variant, error) {
	var pieces []format.Piece
	fieldOf := make([]int, len(fl.nodes)) // node index → field index
	v := &Variant{Conds: fl.conds, Consts: fl.consts}
	nf := 0
	for i, n := range fl.nodes {
		fieldOf[i] = -1
		if n.kind == nText {
			pieces = append(pieces, format.Lit(n.text))
			continue
		}
		fd, a, err := field(n, hasChain)
		if err != nil {
			return nil, err
		}
		if fd.Kind != format.Time && !a.KeepEmpty && fd.Target != "" {
			v.dropEmpty = append(v.dropEmpty, nf)
		}
		fieldOf[i] = nf
		nf++
		pieces = append(pieces, format.F(fd))
	}
	for _, g := range fl.groups {
		first, last := fieldOf[g.first], fieldOf[g.last]
		if first < 0 || last < 0 {
			continue
		}
		v.Groups = append(v.Groups, Group{Target: g.target, First: first, Last: last})
	}
	f, err := format.Compile(name, template, pieces)
	if err != nil {
		return nil, err
	}
	v.Format = f
	return v, nil
}

// field builds the format field of an expression.
func field(n node, hasChain bool) (format.Field, Attr, error) {
	a, _ := attribute(n.attr)
	if n.attr == "client" && !hasChain {
		// Before clientChain, $client$ filled the block the shipped
		// parser calls client_chain.
		a.Target = "[dcache][client_chain]"
	}
	fd := format.Field{Name: "$" + n.text + "$", Target: a.Target, Kind: a.Kind, Dash: a.Dash, Enum: a.Enum, Exclude: a.Exclude}
	if v, ok := n.opts["null"]; ok && v == "-" {
		fd.Dash = true
	}
	if n.attr == "date" {
		layout := DefaultDateLayout
		if v, ok := n.opts["format"]; ok {
			layout = v
		}
		l, err := format.ParseJava(layout)
		if err != nil {
			return fd, a, err
		}
		fd.Layout = l
	}
	// Other format options have no renderer in the billing cell (only
	// Date has one), so StringTemplate ignores them; separator only
	// joins collections, which are text here.
	return fd, a, nil
}

// Scan fits line to the Set's variants in order and returns the format
// that fits; m.Spans are its fields' spans, an empty field's span is
// {-1, -1} (no value) unless the attribute keeps empty values.
func (s *Set) Scan(line string, m *format.Match) (*format.Format, bool) {
	v, ok := s.ScanVariant(line, m)
	if !ok {
		return nil, false
	}
	return v.Format, true
}

// ScanVariant is Scan returning the Variant.
func (s *Set) ScanVariant(line string, m *format.Match) (*Variant, bool) {
	if line == "" {
		return nil, false
	}
	for _, v := range s.variants {
		if !v.Format.CanStart(line[0]) || !v.Format.Scan(line, m) {
			continue
		}
		for _, i := range v.dropEmpty {
			if sp := m.Spans[i]; sp.Start == sp.End {
				m.Spans[i] = format.Span{Start: -1, End: -1}
			}
		}
		return v, true
	}
	return nil, false
}
