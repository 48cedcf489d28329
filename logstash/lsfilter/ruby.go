package lsfilter

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ingestd/ingestd/logstash/lsconv"
	"github.com/ingestd/ingestd/lsconf"
)

// Ruby filters are not embedded: validate shows each one, with what its
// code does in ingestd's terms where a common Event API call says so.

// rubyIdioms are Event API calls and the ingestd way to do the same.
var rubyIdioms = []struct {
	re   *regexp.Regexp
	hint string
}{
	{regexp.MustCompile(`event\.set\(\s*['"]([^'"]+)['"]\s*,\s*event\.get\(\s*['"]([^'"]+)['"]\s*\)\s*\)`), "copying $2 to $1: mutate { copy => { \"$2\" => \"$1\" } }"},
	{regexp.MustCompile(`event\.get\(\s*['"]([^'"]+)['"]\s*\)\.(downcase|upcase)\b`), "changing the case of $1: mutate { lowercase/uppercase => [\"$1\"] }"},
	{regexp.MustCompile(`event\.get\(\s*['"]([^'"]+)['"]\s*\)\.(split|strip)\b`), "$2 of $1: mutate { $2 => ... }"},
	{regexp.MustCompile(`event\.get\(\s*['"]([^'"]+)['"]\s*\)\.(to_i|to_f)\b`), "converting $1: mutate { convert => { \"$1\" => \"integer\" or \"float\" } }"},
	{regexp.MustCompile(`event\.get\(\s*['"]([^'"]+)['"]\s*\)\.gsub\b`), "replacing in $1: mutate { gsub => [\"$1\", \"pattern\", \"replacement\"] }"},
	{regexp.MustCompile(`event\.remove\(\s*['"]([^'"]+)['"]\s*\)`), "removing $1: mutate { remove_field => [\"$1\"] }"},
	{regexp.MustCompile(`event\.tag\(\s*['"]([^'"]+)['"]\s*\)`), "tagging $1: mutate { add_tag => [\"$1\"] }"},
	{regexp.MustCompile(`event\.cancel\b`), "dropping the event: drop {} (in a conditional)"},
	{regexp.MustCompile(`event\.set\(\s*['"]([^'"]+)['"]\s*,\s*(?:['"][^'"]*['"]|-?[0-9][0-9.]*|true|false|nil)\s*\)`), "setting $1 to a constant or sprintf text: mutate { add_field => { \"$1\" => \"...\" } }"},
	{regexp.MustCompile(`Time\.(now|at)|Time\.parse|DateTime|strftime`), "time handling: the date filter (match, timezone, target), or %{+yyyy.MM.dd} in a sprintf text"},
	{regexp.MustCompile(`JSON\.parse|LogStash::Json\.load`), "parsing JSON: the json filter (source, target)"},
	{regexp.MustCompile(`Digest::|OpenSSL::HMAC|SecureRandom`), "hashing: the fingerprint filter (method SHA256, MD5, MURMUR3, UUID…)"},
	{regexp.MustCompile(`\.each\s*(do|\{)|\.map\s*(do|\{)`), "a loop over a field: split makes one event per element (if the code yields new events); prune or mutate remove_field drop fields by name (if it deletes keys)"},
}

// rubyFilter reports a ruby filter at its position: the start of its code
// and the ingestd filters that do what its Event API calls do.
func (c *conv) rubyFilter(p *lsconf.Plugin) {
	code := ""
	if a := p.Attr("code"); a != nil {
		code, _ = lsconv.Scalar(a.Value)
	} else if a := p.Attr("path"); a != nil {
		path, _ := lsconv.Scalar(a.Value)
		code = "script " + path
	}
	first := strings.TrimSpace(code)
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = strings.TrimSpace(first[:i]) + " …"
	}
	if r := []rune(first); len(r) > 80 {
		first = string(r[:77]) + "…"
	}
	var hints []string
	seen := map[string]bool{}
	for _, idiom := range rubyIdioms {
		for _, m := range idiom.re.FindAllStringSubmatchIndex(code, -1) {
			h := string(idiom.re.ExpandString(nil, idiom.hint, code, m))
			if !seen[h] {
				seen[h] = true
				hints = append(hints, h)
			}
		}
	}
	msg := fmt.Sprintf("filter \"ruby\" is not supported: ingestd does not run Ruby (code: %q)", first)
	if len(hints) > 0 {
		msg += "; in ingestd: " + strings.Join(hints, "; ")
	} else {
		msg += "; express it with mutate, grok, dissect, translate or date, or leave it out"
	}
	c.Errorf(p.Pos, "%s", msg)
}
