package billing

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ingestd/ingestd/format"
)

// The default templates, from dCache/dcache:skel/share/defaults/billing.properties
// at commit 77340d6671e92edc0f4a7142ba6be7cc752b08a1 (2026-07-22; the
// formats last changed in f23954a64a, "billing: update documentation to
// describe CellAddress", and 8601227102, "billing: Harmonize
// representation of cell name"). The file writes "$$$$" where the
// template has "$$" ("$$" is dCache's configuration escape for "$");
// these are the templates as the billing cell uses them and writes them in
// its "## " headers (docs/TheBook/src/main/markdown/install.md shows the
// same headers).
const (
	defaultMover   = `$date$ [$cellType$:$cellName.cell$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ $transferred$ $connectionTime$ $created$ {$protocol$} [$initiator$] {$rc$:"$message$"}`
	defaultRemove  = `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ {$rc$:"$message$"}`
	defaultDoor    = `$date$ [$cellType$:$cellName$:$type$] ["$owner$":$uid$:$gid$:$clientChain$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ $transactionTime$ $queuingTime$ {$rc$:"$message$"}`
	defaultStorage = `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ $transferTime$ $queuingTime$ {$rc$:"$message$"}`
	defaultHit     = `$date$ [$cellType$:$cellName.cell$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$<Unknown>$endif$ $cached$ {$protocol$} {$rc$:"$message$"}`
	defaultWarning = `$date$ [$cellType$:$cellName$:$type$] {$rc$:"$message$"}`
)

// The message types (the class names in lower-hyphen case, as the
// properties and the headers name them).
const (
	MoverInfo       = "mover-info-message"
	RemoveFileInfo  = "remove-file-info-message"
	DoorRequestInfo = "door-request-info-message"
	StorageInfo     = "storage-info-message"
	PoolHitInfo     = "pool-hit-info-message"
	WarningPnfsFile = "warning-pnfs-file-info-message"
)

// msgTypes is the order the Library tries sets in when a line's type does
// not say.
var msgTypes = []string{MoverInfo, DoorRequestInfo, RemoveFileInfo, StorageInfo, PoolHitInfo, WarningPnfsFile}

// Defaults are dCache's default templates by message type.
func Defaults() map[string]string {
	return map[string]string{
		MoverInfo:       defaultMover,
		RemoveFileInfo:  defaultRemove,
		DoorRequestInfo: defaultDoor,
		StorageInfo:     defaultStorage,
		PoolHitInfo:     defaultHit,
		WarningPnfsFile: defaultWarning,
	}
}

// legacy are the lines of dCache before its templates (before
// 1a6ad5b809, "Billing: make billing format configurable", 2011): the
// messages' toString (dCache/dcache@11df15890e:
// modules/dCache/diskCacheV111/vehicles/{InfoMessage,PnfsFileInfoMessage,
// MoverInfoMessage,DoorRequestInfoMessage,StorageInfoMessage}.java), which
// print "<unknown>" for no storage info, and the 1.6-era lines without the
// [path] block (movers also without [initiator]) that the shipped grok
// patterns accept. The Library tries them after the templates it knows.
// "%s" is "<unknown>" or "<Unknown>": both appear.
var legacy = []struct{ msgType, template string }{
	{MoverInfo, `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $transferred$ $connectionTime$ $created$ {$protocol$} [$initiator$] {$rc$:"$message$"}`},
	{DoorRequestInfo, `$date$ [$cellType$:$cellName$:$type$] ["$owner$":$uid$:$gid$:$client$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $transactionTime$ $queuingTime$ {$rc$:"$message$"}`},
	{RemoveFileInfo, `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ {$rc$:"$message$"}`},
	{StorageInfo, `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $transferTime$ $queuingTime$ {$rc$:"$message$"}`},
	// PoolHitInfoMessage extends PnfsFileInfoMessage, as the others do.
	{PoolHitInfo, `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] [$path$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $cached$ {$protocol$} {$rc$:"$message$"}`},
	{MoverInfo, `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $transferred$ $connectionTime$ $created$ {$protocol$} {$rc$:"$message$"}`},
	{DoorRequestInfo, `$date$ [$cellType$:$cellName$:$type$] ["$owner$":$uid$:$gid$:$client$] [$pnfsid$,$filesize$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $transactionTime$ $queuingTime$ {$rc$:"$message$"}`},
	// A 1.6 pool hit (typed "transfer"; configs/testdata/real/dcache.jsonl).
	{PoolHitInfo, `$date$ [$cellType$:$cellName$:$type$] [$pnfsid$,$filesize$] $if(storage)$$storage.storageClass$@$storage.hsm$$else$%s$endif$ $cached$ {$protocol$} {$rc$:"$message$"}`},
}

// Legacy are the templates of dCache's lines before configurable
// templates, by message type (see legacy); each comes with "<unknown>"
// and "<Unknown>" for no storage info.
func Legacy() map[string][]string {
	out := map[string][]string{}
	for _, l := range legacy {
		for _, unknown := range []string{"<unknown>", "<Unknown>"} {
			out[l.msgType] = append(out[l.msgType], fmt.Sprintf(l.template, unknown))
		}
	}
	return out
}

// ParseHeader reads a "## <message-type> <template>" line, which dCache
// writes for every template when it opens a billing file and on restart
// (BillingCell.getFormatHeaders). The template may be empty: that message
// type is not logged.
func ParseHeader(line string) (msgType, template string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "## ")
	if !ok {
		return "", "", false
	}
	msgType, template, _ = strings.Cut(rest, " ")
	if msgType == "" {
		return "", "", false
	}
	for i := 0; i < len(msgType); i++ {
		if c := msgType[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", "", false
		}
	}
	return msgType, template, true
}

// ExpandProperty turns a billing.text.format.* value as written in a
// dCache configuration file into the template: "$$" is "$" there
// (dmg.util.Formats.replaceKeywords); "${…}" placeholders are left as they
// are.
func ExpandProperty(raw string) string { return strings.ReplaceAll(raw, "$$", "$") }

// maxLearned bounds the templates a Library keeps per message type.
const maxLearned = 8

// Library holds the Sets of every message type: the templates learned from
// files' headers (the most recent first), dCache's defaults, then the
// legacy templates. It picks the sets to try by the line's message type
// (the last ':' part of its first [...] block: "[pool:p1:transfer]"). It is
// safe for concurrent use; Learn may run while others Scan.
type Library struct {
	mu    sync.Mutex // serialises Learn
	state atomic.Pointer[libState]
}

type libState struct {
	learned map[string][]*Set // by message type
	base    map[string][]*Set // defaults then legacy
	// byType are the sets to try for a line's type word, in order;
	// all is every set, for a type not in byType.
	byType map[string][]*Set
	all    []*Set
}

// typeHints are the message types whose lines carry a type word
// (dCache/dcache: modules/dcache-vehicles/src/main/java/diskCacheV111/vehicles/*InfoMessage.java;
// doors also bill "remove").
var typeHints = map[string][]string{
	"transfer": {MoverInfo},
	"request":  {DoorRequestInfo},
	"remove":   {RemoveFileInfo, DoorRequestInfo},
	"store":    {StorageInfo},
	"restore":  {StorageInfo},
	"hit":      {PoolHitInfo},
	"warning":  {WarningPnfsFile},
}

// NewLibrary builds a Library of dCache's defaults and the legacy
// templates.
func NewLibrary() *Library {
	st := &libState{learned: map[string][]*Set{}, base: baseSets()}
	st.index()
	l := &Library{}
	l.state.Store(st)
	return l
}

// baseSets are dCache's defaults then the legacy templates, compiled once
// per process: every library (the site's, and one per file that declared
// its own) starts from the same immutable sets, and a Set is safe for
// concurrent use.
var baseSets = sync.OnceValue(func() map[string][]*Set {
	base := map[string][]*Set{}
	defs := Defaults()
	for _, mt := range msgTypes {
		base[mt] = append(base[mt], mustCompile(mt, defs[mt]))
	}
	leg := Legacy()
	for _, mt := range msgTypes {
		for _, t := range leg[mt] {
			base[mt] = append(base[mt], mustCompile(mt, t))
		}
	}
	return base
})

func mustCompile(mt, t string) *Set {
	s, err := Compile(mt, t)
	if err != nil {
		panic(err)
	}
	return s
}

// Learn adds a file's template for a message type (from its "## "
// header); it is tried before the ones learned earlier and the defaults.
// Learning a template already known moves it to the front. An empty
// template is ignored.
func (l *Library) Learn(msgType, template string) error {
	if template == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.state.Load()
	if cur := old.learned[msgType]; len(cur) > 0 && cur[0].template == template {
		return nil
	}
	s, err := Compile(msgType, template)
	if err != nil {
		return err
	}
	st := &libState{learned: map[string][]*Set{}, base: old.base}
	for mt, sets := range old.learned {
		st.learned[mt] = sets
	}
	sets := []*Set{s}
	for _, o := range old.learned[msgType] {
		if o.template != template && len(sets) < maxLearned {
			sets = append(sets, o)
		}
	}
	st.learned[msgType] = sets
	st.index()
	l.state.Store(st)
	return nil
}

// index builds byType and all, dropping a base set whose template is also
// learned.
func (st *libState) index() {
	order := append([]string(nil), msgTypes...)
	for mt := range st.learned {
		if _, ok := st.base[mt]; !ok {
			order = append(order, mt)
		}
	}
	setsOf := map[string][]*Set{}
	st.all = nil
	for _, mt := range order {
		var sets []*Set
		seen := map[string]bool{}
		for _, s := range append(append([]*Set(nil), st.learned[mt]...), st.base[mt]...) {
			if !seen[s.template] {
				seen[s.template] = true
				sets = append(sets, s)
			}
		}
		setsOf[mt] = sets
		st.all = append(st.all, sets...)
	}
	st.byType = map[string][]*Set{}
	for word, mts := range typeHints {
		for _, mt := range mts {
			st.byType[word] = append(st.byType[word], setsOf[mt]...)
		}
	}
}

// Sets are the sets the Library knows, in the order it tries them for a
// line whose type says nothing.
func (l *Library) Sets() []*Set { return l.state.Load().all }

// Scan fits a billing line: first to the sets of its type word's message
// types, then to all the others. It returns the variant that fits.
func (l *Library) Scan(line string, m *format.Match) (*Variant, bool) {
	st := l.state.Load()
	hinted := st.byType[typeWord(line)]
	for _, s := range hinted {
		if v, ok := s.ScanVariant(line, m); ok {
			return v, true
		}
	}
	for _, s := range st.all {
		if contains(hinted, s) {
			continue
		}
		if v, ok := s.ScanVariant(line, m); ok {
			return v, true
		}
	}
	return nil, false
}

func contains(sets []*Set, s *Set) bool {
	for _, x := range sets {
		if x == s {
			return true
		}
	}
	return false
}

// typeWord is the last ':' part of the line's first [...] block.
func typeWord(line string) string {
	i := strings.IndexByte(line, '[')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(line[i:], ']')
	if j < 0 {
		return ""
	}
	block := line[i+1 : i+j]
	return block[strings.LastIndexByte(block, ':')+1:]
}
