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
	entries  []*entry            // in the file's order
	services map[string][]*entry // a service's formats, in its order
}

type libraryFile struct {
	Services map[string][]string `yaml:"services"`
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
	lib := &library{services: map[string][]*entry{}}
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
		lib.entries = append(lib.entries, e)
	}
	for _, svc := range slices.Sorted(maps.Keys(lf.Services)) {
		for _, name := range lf.Services[svc] {
			e, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("format library: service %s names unknown format %s", svc, name)
			}
			lib.services[svc] = append(lib.services[svc], e)
		}
	}
	return lib, nil
}

// buildOrders lists, per service, the formats in the order they are
// tried: the config's own, the service's library formats, then the rest
// of the library (a line from another program on the same host still
// parses).
func (f *Filter) buildOrders() map[string][]*entry {
	orders := map[string][]*entry{}
	base := slices.Clone(f.own)
	if f.lib == nil {
		orders[""] = base
		return orders
	}
	orders[""] = append(slices.Clone(base), f.lib.entries...)
	for svc, first := range f.lib.services {
		o := append(slices.Clone(base), first...)
		for _, e := range f.lib.entries {
			if !slices.Contains(first, e) {
				o = append(o, e)
			}
		}
		orders[svc] = o
	}
	return orders
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
