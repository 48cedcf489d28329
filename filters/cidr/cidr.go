// Package cidr is Logstash's cidr filter (logstash-filter-cidr): it checks
// IP addresses of an event against networks (IPv4 and IPv6). Logstash
// applies the filter's add_field/add_tag/remove_* only when an address is
// in a network; ingestd applies those common options in separate steps,
// so this filter reports the outcome with tags: tag_on_match when an
// address matched, tag_on_failure when none did (a converted
// logstash.conf sets a private tag_on_failure and guards the common
// options with it, as for every filter whose options apply on success).
package cidr

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ingestd/ingestd/template"

	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
	"github.com/rs/zerolog"
)

// Register adds the cidr filter to r.
func Register(r *plugin.Registry) {
	plugin.RegisterFilter(r, "cidr", "Checks IP addresses of the event against IPv4/IPv6 networks and tags the outcome, as Logstash's cidr filter does.", New)
}

// Config is the cidr filter's config.
type Config struct {
	Address         []string       `yaml:"address" doc:"the addresses to check, %{field} templates rendered as Logstash's sprintf (a field holding an array renders its elements joined by commas, which is no address)"`
	AddressField    event.FieldRef `yaml:"address_field" doc:"a field holding an address or an array of addresses (instead of address)"`
	Network         []string       `yaml:"network" doc:"networks (a.b.c.d/n, ipv6/n, a.b.c.d/netmask or a plain address); an entry may hold several separated by commas and may use %{field} templates"`
	NetworkPath     string         `yaml:"network_path" doc:"a file of networks, one per separator (instead of network)"`
	RefreshInterval time.Duration  `yaml:"refresh_interval" default:"600s" doc:"how often network_path is read again (an unreadable or empty file keeps the networks loaded before)"`
	Separator       string         `yaml:"separator" doc:"what separates the networks of network_path (empty: a newline)"`
	TagOnMatch      []string       `yaml:"tag_on_match" doc:"tags added when an address is in a network"`
	TagOnFailure    []string       `yaml:"tag_on_failure" doc:"tags added when no address is in any network (or none is present or valid); Logstash adds none"`
}

// Check reports what New would refuse (but for an unreadable
// network_path, which New reports).
func (c *Config) Check() []spec.FieldError {
	if _, err := compileStatic(c); err != nil {
		return []spec.FieldError{{Msg: err.Error()}}
	}
	return nil
}

type filter struct {
	addresses []template.Template
	field     event.Path
	static    []netip.Prefix      // network without templates
	dynamic   []template.Template // network entries with templates
	file      *networkFile
	onMatch   []string
	onFail    []string
}

// New builds a cidr filter; it reads network_path once here, so a missing
// file is a config error.
func New(cfg *Config, env plugin.Env) (plugin.Filter, error) {
	f, err := compileStatic(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.NetworkPath != "" {
		sep := cfg.Separator
		if sep == "" {
			sep = "\n"
		}
		f.file = &networkFile{path: cfg.NetworkPath, sep: sep, every: cfg.RefreshInterval, log: env.Logger}
		nets, err := f.file.read()
		if err != nil {
			return nil, fmt.Errorf("network_path: %w", err)
		}
		f.file.nets.Store(&nets)
		f.file.next.Store(time.Now().Add(f.file.every).UnixNano())
	}
	return f, nil
}

func compileStatic(c *Config) (*filter, error) {
	f := &filter{field: c.AddressField.Path, onMatch: c.TagOnMatch, onFail: c.TagOnFailure}
	switch {
	case len(c.Address) > 0 && !c.AddressField.IsZero():
		return nil, errors.New("the options address and address_field are mutually exclusive")
	case len(c.Address) == 0 && c.AddressField.IsZero():
		return nil, errors.New("address or address_field is required")
	case len(c.Network) > 0 && c.NetworkPath != "":
		return nil, errors.New("the options network and network_path are mutually exclusive")
	case len(c.Network) == 0 && c.NetworkPath == "":
		return nil, errors.New("network or network_path is required")
	}
	for _, a := range c.Address {
		f.addresses = append(f.addresses, template.ParseLogstash(a))
	}
	for _, n := range c.Network {
		if t := template.ParseLogstash(n); !t.IsLiteral() {
			f.dynamic = append(f.dynamic, t)
			continue
		}
		// A literal network that does not parse is a typo: refuse it
		// (Logstash skips it with a warning on every event).
		for _, part := range strings.Split(n, ",") {
			p, err := parseIPAddr(strings.TrimSpace(part))
			if err != nil {
				return nil, fmt.Errorf("network %q: %w", n, err)
			}
			f.static = append(f.static, p)
		}
	}
	return f, nil
}

func (f *filter) Apply(e *event.Event) bool {
	if f.matches(e) {
		e.AddTags(f.onMatch)
	} else {
		e.AddTags(f.onFail)
	}
	return true
}

func (f *filter) matches(e *event.Event) bool {
	var buf [4]netip.Prefix
	addrs := f.collect(e, buf[:0])
	if len(addrs) == 0 {
		return false
	}
	nets := f.static
	if f.file != nil {
		nets = f.file.networks()
	}
	for _, n := range nets {
		if anyIn(n, addrs) {
			return true
		}
	}
	// Templates render per event (Logstash splits the rendering on
	// commas, so a field holding an array of networks works).
	for _, t := range f.dynamic {
		for part := range strings.SplitSeq(t.RenderLogstash(e), ",") {
			if n, err := parseIPAddr(strings.TrimSpace(part)); err == nil && anyIn(n, addrs) {
				return true
			}
		}
	}
	return false
}

// anyIn reports whether one of addrs is in network n.
func anyIn(n netip.Prefix, addrs []netip.Prefix) bool {
	for _, a := range addrs {
		if contains(n, a) {
			return true
		}
	}
	return false
}

// collect returns the event's valid addresses; invalid ones are skipped
// (Logstash logs a warning for each).
func (f *filter) collect(e *event.Event, out []netip.Prefix) []netip.Prefix {
	add := func(s string) {
		if p, err := parseIPAddr(s); err == nil {
			out = append(out, p)
		}
	}
	if f.field != nil {
		// Array(event.get(field)): only strings can be addresses.
		v, _ := e.Get(f.field)
		switch v.Kind() {
		case event.KindString:
			add(v.Str())
		case event.KindArray:
			for _, el := range v.Elems() {
				if el.Value.Kind() == event.KindString {
					add(el.Value.Str())
				}
			}
		}
		return out
	}
	for _, t := range f.addresses {
		add(t.RenderLogstash(e))
	}
	return out
}

// networkFile is network_path: read at start and again every refresh
// interval, by the first event that finds it due (as Logstash does); the
// others keep using the list they see.
type networkFile struct {
	path, sep string
	every     time.Duration
	log       zerolog.Logger
	nets      atomic.Pointer[[]netip.Prefix]
	next      atomic.Int64 // unix nanoseconds of the next read
	reading   sync.Mutex
}

func (n *networkFile) networks() []netip.Prefix {
	if n.every > 0 && time.Now().UnixNano() > n.next.Load() && n.reading.TryLock() {
		n.refresh()
		n.reading.Unlock()
	}
	return *n.nets.Load()
}

func (n *networkFile) refresh() {
	defer n.next.Store(time.Now().Add(n.every).UnixNano())
	nets, err := n.read()
	if err != nil {
		n.log.Error().Err(err).Str("path", n.path).Msg("cidr: cannot read network_path again; keeping the networks loaded before")
		return
	}
	n.nets.Store(&nets)
}

// read parses the file. Invalid entries are skipped with a warning;
// a file with no entry at all is an error (Logstash keeps its previous
// list then, and refuses to start without one).
func (n *networkFile) read() ([]netip.Prefix, error) {
	data, err := os.ReadFile(n.path)
	if err != nil {
		return nil, err
	}
	var nets []netip.Prefix
	entries := 0
	for _, s := range strings.Split(string(data), n.sep) {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		entries++
		p, err := parseIPAddr(s)
		if err != nil {
			n.log.Warn().Str("path", n.path).Str("network", s).Msg("cidr: invalid network skipped")
			continue
		}
		nets = append(nets, p)
	}
	if entries == 0 {
		return nil, fmt.Errorf("%s: no network in the file", n.path)
	}
	return nets, nil
}
