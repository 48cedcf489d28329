package elasticsearch

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Credentials may sit in a hosts URL (http://user:secret@host:9200) as
// well as in username/password/api_key. Nothing the output prints — log
// lines, errors, validate's messages, dead letters — may show them: every
// such text goes through the config's scrubber first.

// userinfo matches the password part of a URL's userinfo in free text,
// for text no url.Parse can be trusted with (a malformed host).
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*):[^@\s/]*@`)

// redactURL shows a host URL without its password.
func redactURL(h string) string {
	if u, err := url.Parse(h); err == nil && u.User != nil {
		return u.Redacted()
	}
	if _, at, pass, ok := hostPassword(h); ok {
		return h[:at-len(pass)] + "xxxxx" + h[at:]
	}
	return userinfo.ReplaceAllString(h, "${1}:xxxxx@")
}

// hostPassword finds the password of a host string that url.Parse may
// not read (a "/" left unencoded in it, no scheme): what follows the
// first ":" of the userinfo, up to the last "@". at is where that "@" is.
func hostPassword(h string) (user string, at int, pass string, ok bool) {
	at = strings.LastIndexByte(h, '@')
	if at < 0 {
		return "", 0, "", false
	}
	start := 0
	if i := strings.Index(h, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	user, pass, ok = strings.Cut(h[start:at], ":")
	return user, at, pass, ok && pass != ""
}

// redactedHosts are the hosts as logs may show them.
func (c *Config) redactedHosts() []string {
	out := make([]string, len(c.Hosts))
	for i, h := range c.Hosts {
		out[i] = redactURL(h)
	}
	return out
}

// secrets are the credentials the config holds, longest first (a secret
// that contains another is replaced whole).
func (c *Config) secrets() []string {
	var s []string
	add := func(x string) {
		if x != "" {
			s = append(s, x, url.QueryEscape(x), url.PathEscape(x))
		}
	}
	for _, h := range c.Hosts {
		if u, err := url.Parse(h); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				add(p)
			}
		}
		if _, _, p, ok := hostPassword(h); ok {
			add(p) // also as written, which url.Parse may not read
		}
	}
	add(c.Password)
	add(c.APIKey)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// scrub removes the config's credentials from text.
func (c *Config) scrub(text string) string {
	text = userinfo.ReplaceAllString(text, "${1}:xxxxx@")
	for _, s := range c.secrets() {
		text = strings.ReplaceAll(text, s, "xxxxx")
	}
	return text
}

// clean is err with its text scrubbed (nil stays nil).
func (c *Config) clean(err error) error {
	if err == nil {
		return nil
	}
	if s := c.scrub(err.Error()); s != err.Error() {
		return errors.New(s)
	}
	return err
}
