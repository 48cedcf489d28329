package load

import (
	"errors"
	"strings"
	"testing"

	"github.com/ingestd/ingestd/lsconf"
)

func mustParse(t *testing.T, src string) *lsconf.Config {
	t.Helper()
	return mustParseOpts(t, src, lsconf.ParseOptions{})
}

func mustParseOpts(t *testing.T, src string, opts lsconf.ParseOptions) *lsconf.Config {
	t.Helper()
	cfg, err := lsconf.ParseString("test.conf", src, opts)
	if err != nil {
		t.Fatalf("parse %q:\n%v", src, err)
	}
	return cfg
}

// parseErrors returns the error messages of parsing src, one per problem.
func parseErrors(src string, opts lsconf.ParseOptions) []string {
	_, err := lsconf.ParseString("test.conf", src, opts)
	return errorStrings(err)
}

func errorStrings(err error) []string {
	if err == nil {
		return nil
	}
	var list lsconf.ErrorList
	if !errors.As(err, &list) {
		return []string{err.Error()}
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Error()
	}
	return out
}

func pluginNames(ps []*lsconf.Plugin) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, " ")
}
