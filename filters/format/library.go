package format

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"sync"

	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed library.yml
var libraryYAML []byte

// library is the shipped format library compiled.
type library struct {
	entries  []*entry            // in the file's order, but for those only last names
	services map[string][]*entry // a service's formats, in its order
	last     map[string][]*entry // a service's formats tried after all others, for it alone
}

type libraryFile struct {
	Services map[string][]string `yaml:"services"`
	Last     map[string][]string `yaml:"last"`
	Formats  []Decl              `yaml:"formats"`
}

// LibrarySource is the shipped library's declarations (library.yml).
func LibrarySource() []byte { return slices.Clone(libraryYAML) }

// shippedLibrary is library.yml compiled, once per process: the config
// check, the filter and every reload share it (its entries are immutable).
var shippedLibrary = sync.OnceValues(compileLibrary)

func compileLibrary() (*library, error) {
	var lf libraryFile
	dec := yaml.NewDecoder(strings.NewReader(string(libraryYAML)))
	dec.KnownFields(true)
	if err := dec.Decode(&lf); err != nil {
		return nil, fmt.Errorf("format library: %w", err)
	}
	lib := &library{services: map[string][]*entry{}, last: map[string][]*entry{}}
	onlyLast := map[string]bool{}
	for _, names := range lf.Last {
		for _, name := range names {
			onlyLast[name] = true
		}
	}
	byName := map[string]*entry{}
	for _, d := range lf.Formats {
		if d.Style == "" {
			d.Style = "%"
		}
		for i := range d.Message {
			if d.Message[i].Style == "" {
				d.Message[i].Style = "%"
			}
		}
		e, err := compileDecl(d)
		if err != nil {
			return nil, fmt.Errorf("format library: %w", err)
		}
		if byName[d.Name] != nil {
			return nil, fmt.Errorf("format library: %s declared twice", d.Name)
		}
		byName[d.Name] = e
		if !onlyLast[d.Name] {
			lib.entries = append(lib.entries, e)
		}
	}
	for _, list := range []struct {
		services map[string][]string
		into     map[string][]*entry
	}{{lf.Services, lib.services}, {lf.Last, lib.last}} {
		for _, svc := range slices.Sorted(maps.Keys(list.services)) {
			for _, name := range list.services[svc] {
				e, ok := byName[name]
				if !ok {
					return nil, fmt.Errorf("format library: service %s names unknown format %s", svc, name)
				}
				list.into[svc] = append(list.into[svc], e)
			}
		}
	}
	return lib, nil
}

// buildOrders lists, per service, the formats in the order they are
// tried: the config's own, the service's library formats, then the rest
// of the library (a line from another program on the same host still
// parses), then the service's last formats (a catch-all such as Django's
// bare message, which must never take another service's line).
func (f *Filter) buildOrders() map[string][]*entry {
	orders := map[string][]*entry{}
	base := slices.Clone(f.own)
	if f.lib == nil {
		orders[""] = base
		return orders
	}
	orders[""] = append(slices.Clone(base), f.lib.entries...)
	order := func(svc string) {
		first := f.lib.services[svc]
		o := append(slices.Clone(base), first...)
		for _, e := range f.lib.entries {
			if !slices.Contains(first, e) {
				o = append(o, e)
			}
		}
		orders[svc] = append(o, f.lib.last[svc]...)
	}
	for svc := range f.lib.services {
		order(svc)
	}
	for svc := range f.lib.last {
		order(svc) // (again, for a service in both: the same order)
	}
	return orders
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
