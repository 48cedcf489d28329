package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionString(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "11267dbbfc72220774cbd41ddc2bcdd07eb66dd6"},
		{Key: "vcs.time", Value: "2026-12-05T23:57:19Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, c := range []struct {
		name, ldflags, main, goVersion string
		settings                       []debug.BuildSetting
		want                           string
	}{
		{"plain build without VCS", "", "(devel)", "go1.26.8", nil, "(devel) go1.26.8"},
		{"plain build in a clone", "", "(devel)", "go1.26.8", vcs, "(devel) revision 11267dbbfc72+modified 2026-12-05T23:57:19Z go1.26.8"},
		{"pseudo-version names the commit", "", "v0.0.0-20261205235719-11267dbbfc72+dirty", "go1.26.8", vcs, "v0.0.0-20261205235719-11267dbbfc72+dirty go1.26.8"},
		{"ldflags", "v1.2.3", "(devel)", "go1.26.8", vcs, "v1.2.3 revision 11267dbbfc72+modified 2026-12-05T23:57:19Z go1.26.8"},
		{"ldflags without VCS", "v1.2.3", "(devel)", "go1.26.8", nil, "v1.2.3 go1.26.8"},
	} {
		if got := versionString(c.ldflags, c.main, c.goVersion, c.settings); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
