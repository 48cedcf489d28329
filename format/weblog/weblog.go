// Package weblog compiles web server access log formats into
// format.Formats: nginx's log_format ("$remote_addr - $remote_user
// [$time_local] ...") and gunicorn's access_log_format ("%(h)s %(l)s
// %(u)s %(t)s ..."). Known variables map to ECS fields with their types;
// any other nginx $variable lands under nginx.<name>, any other gunicorn
// atom under gunicorn.<name>, as text. Both servers write "-" for an
// empty value: such a field is left out.
package weblog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ingestd/ingestd/format"
)

// Var is how one variable reads and where it goes.
type Var struct {
	Target string
	Kind   format.Kind
	Layout string // strftime layout of a Time variable
}

// NginxVars are the nginx variables with a known meaning
// (https://nginx.org/en/docs/varindex.html).
var NginxVars = map[string]Var{
	"remote_addr":            {Target: "[source][address]", Kind: format.Token},
	"binary_remote_addr":     {Target: "", Kind: format.Text},
	"realip_remote_addr":     {Target: "[source][address]", Kind: format.Token},
	"remote_port":            {Target: "[source][port]", Kind: format.Int},
	"remote_user":            {Target: "[user][name]", Kind: format.Token},
	"time_local":             {Kind: format.Time, Layout: "%d/%b/%Y:%H:%M:%S %z"},
	"time_iso8601":           {Kind: format.Time, Layout: "%Y-%m-%dT%H:%M:%S%z"},
	"msec":                   {Kind: format.Epoch},
	"request":                {Kind: format.Request},
	"request_method":         {Target: "[http][request][method]", Kind: format.Token},
	"request_uri":            {Target: "[url][original]", Kind: format.Token},
	"uri":                    {Target: "[url][path]", Kind: format.Token},
	"document_uri":           {Target: "[url][path]", Kind: format.Token},
	"args":                   {Target: "[url][query]", Kind: format.Token},
	"query_string":           {Target: "[url][query]", Kind: format.Token},
	"scheme":                 {Target: "[url][scheme]", Kind: format.Token},
	"server_protocol":        {Kind: format.Protocol},
	"host":                   {Target: "[url][domain]", Kind: format.Token},
	"server_name":            {Target: "[nginx][server_name]", Kind: format.Token},
	"server_addr":            {Target: "[destination][address]", Kind: format.Token},
	"server_port":            {Target: "[destination][port]", Kind: format.Int},
	"status":                 {Target: "[http][response][status_code]", Kind: format.Int},
	"body_bytes_sent":        {Target: "[http][response][body][bytes]", Kind: format.Int},
	"bytes_sent":             {Target: "[http][response][bytes]", Kind: format.Int},
	"request_length":         {Target: "[http][request][bytes]", Kind: format.Int},
	"request_time":           {Target: "[event][duration]", Kind: format.Seconds},
	"http_referer":           {Target: "[http][request][referrer]", Kind: format.Text},
	"http_user_agent":        {Target: "[user_agent][original]", Kind: format.Text},
	"connection":             {Target: "[nginx][connection]", Kind: format.Int},
	"connection_requests":    {Target: "[nginx][connection_requests]", Kind: format.Int},
	"pipe":                   {Target: "[nginx][pipe]", Kind: format.Token},
	"request_id":             {Target: "[http][request][id]", Kind: format.Token},
	"upstream_addr":          {Target: "[nginx][upstream][addr]", Kind: format.Text},
	"upstream_status":        {Target: "[nginx][upstream][status]", Kind: format.Text},
	"upstream_response_time": {Target: "[nginx][upstream][response_time]", Kind: format.Text},
	"upstream_connect_time":  {Target: "[nginx][upstream][connect_time]", Kind: format.Text},
	"upstream_header_time":   {Target: "[nginx][upstream][header_time]", Kind: format.Text},
	"gzip_ratio":             {Target: "[nginx][gzip_ratio]", Kind: format.Text},
	"ssl_protocol":           {Target: "[tls][version_protocol]", Kind: format.Token},
	"ssl_cipher":             {Target: "[tls][cipher]", Kind: format.Token},
}

// Nginx compiles an nginx log_format (the format strings concatenated, as
// nginx does). nginx escapes '"', '\' and control characters in variables
// (escape=default), so a quoted variable never holds a raw quote.
func Nginx(name, logFormat string) (*format.Format, error) {
	var b format.Builder
	src := logFormat
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '$' {
			b.Byte(c)
			continue
		}
		v, declared, n, err := format.DollarName(src, i, true)
		if err != nil {
			return nil, fmt.Errorf("nginx log_format %q: %w", src, err)
		}
		if n == 0 {
			b.Byte('$')
			continue
		}
		i += n - 1
		fd, err := nginxField(v, declared)
		if err != nil {
			return nil, fmt.Errorf("nginx log_format %q: %w", src, err)
		}
		b.Add(format.F(fd))
	}
	pieces := b.Pieces()
	markQuoted(pieces)
	return format.Compile(name, logFormat, pieces)
}

// markQuoted marks the fields between double quotes: both servers escape
// a quote inside a value (nginx as \x22, gunicorn as \"), so such a field
// ends at the first quote that is not escaped.
func markQuoted(pieces []format.Piece) {
	for i, p := range pieces {
		if p.Field == nil || i == 0 || i+1 >= len(pieces) {
			continue
		}
		before, after := pieces[i-1], pieces[i+1]
		if before.Field == nil && after.Field == nil && strings.HasSuffix(before.Literal, `"`) && strings.HasPrefix(after.Literal, `"`) {
			p.Field.Quoted = true
		}
	}
}

func nginxField(name, declared string) (format.Field, error) {
	v, ok := NginxVars[name]
	switch {
	case ok:
	case strings.HasPrefix(name, "http_"):
		v = Var{Target: "[http][request][headers][" + name[len("http_"):] + "]", Kind: format.Text}
	case strings.HasPrefix(name, "sent_http_"):
		v = Var{Target: "[http][response][headers][" + name[len("sent_http_"):] + "]", Kind: format.Text}
	default:
		v = Var{Target: "[nginx][" + name + "]", Kind: format.Text}
	}
	fd := format.Field{Name: declared, Target: v.Target, Kind: v.Kind, Dash: true}
	if v.Kind == format.Time {
		l, err := format.ParseStrftime(v.Layout)
		if err != nil {
			return fd, err
		}
		fd.Layout = l
	}
	return fd, nil
}

// GunicornDefault is gunicorn's default access_log_format.
const GunicornDefault = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// gunicornAtoms are gunicorn's access log atoms (gunicorn/glogging.py,
// "Access log format" in its settings docs).
var gunicornAtoms = map[string]Var{
	"h": {Target: "[source][address]", Kind: format.Token},
	"l": {Target: "", Kind: format.Token},
	"u": {Target: "[user][name]", Kind: format.Token},
	"t": {Kind: format.Time, Layout: "[%d/%b/%Y:%H:%M:%S %z]"},
	"r": {Kind: format.Request},
	"m": {Target: "[http][request][method]", Kind: format.Token},
	"U": {Target: "[url][path]", Kind: format.Token},
	"q": {Target: "[url][query]", Kind: format.Token},
	"H": {Kind: format.Protocol},
	"s": {Target: "[http][response][status_code]", Kind: format.Int},
	"B": {Target: "[http][response][body][bytes]", Kind: format.Int},
	"b": {Target: "[http][response][body][bytes]", Kind: format.Int},
	"f": {Target: "[http][request][referrer]", Kind: format.Text},
	"a": {Target: "[user_agent][original]", Kind: format.Text},
	"T": {Target: "[event][duration]", Kind: format.Seconds},
	"D": {Target: "[event][duration]", Kind: format.Microsecs},
	"M": {Target: "[event][duration]", Kind: format.Millisecs},
	"L": {Target: "[event][duration]", Kind: format.Seconds},
	"p": {Target: "[process][pid]", Kind: format.Int}, // written "<pid>"
}

// durationAtoms are the atoms of the request's duration, most precise
// first: a format may hold several, and the most precise one sets
// event.duration.
var durationAtoms = []string{"D", "L", "M", "T"}

// Gunicorn compiles a gunicorn access_log_format: "%(h)s"-style atoms,
// "%({header}i)s" request headers, "%({header}o)s" response headers and
// "%({var}e)s" environment variables.
func Gunicorn(name, accessLogFormat string) (*format.Format, error) {
	src := accessLogFormat
	duration := ""
	for _, atom := range durationAtoms {
		if strings.Contains(src, "%("+atom+")s") {
			duration = atom
			break
		}
	}
	var b format.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '%' || i+1 >= len(src) || src[i+1] != '(' {
			if c == '%' && i+1 < len(src) && src[i+1] == '%' {
				i++
			}
			b.Byte(c)
			continue
		}
		end := strings.Index(src[i:], ")s")
		if end < 0 {
			return nil, fmt.Errorf("gunicorn access_log_format %q: %%( at %d has no )s", src, i)
		}
		atom := src[i+2 : i+end]
		declared := src[i : i+end+2]
		i += end + 1
		var v Var
		switch {
		case strings.HasPrefix(atom, "{") && strings.HasSuffix(atom, "}i"):
			v = Var{Target: "[http][request][headers][" + headerKey(atom[1:len(atom)-2]) + "]", Kind: format.Text}
		case strings.HasPrefix(atom, "{") && strings.HasSuffix(atom, "}o"):
			v = Var{Target: "[http][response][headers][" + headerKey(atom[1:len(atom)-2]) + "]", Kind: format.Text}
		case strings.HasPrefix(atom, "{") && strings.HasSuffix(atom, "}e"):
			v = Var{Target: "[gunicorn][environ][" + atom[1:len(atom)-2] + "]", Kind: format.Text}
		default:
			var ok bool
			if v, ok = gunicornAtoms[atom]; !ok {
				return nil, fmt.Errorf("gunicorn access_log_format %q: unknown atom %s", src, declared)
			}
			if slices.Contains(durationAtoms, atom) && atom != duration {
				v.Target = "" // a less precise duration of the same request
			}
		}
		fd := format.Field{Name: declared, Target: v.Target, Kind: v.Kind, Dash: true}
		if v.Kind == format.Time {
			l, err := format.ParseStrftime(v.Layout)
			if err != nil {
				return nil, err
			}
			fd.Layout = l
		}
		if atom == "p" {
			// glogging.py: "<%s>" % os.getpid()
			b.Byte('<')
			b.Add(format.F(fd))
			b.Byte('>')
			continue
		}
		b.Add(format.F(fd))
	}
	pieces := b.Pieces()
	markQuoted(pieces)
	for _, p := range pieces {
		if p.Field != nil && p.Field.Quoted {
			p.Field.Escaped = true // glogging.py: atoms[k] = v.replace('"', '\\"')
		}
	}
	return format.Compile(name, accessLogFormat, pieces)
}

func headerKey(h string) string { return strings.ReplaceAll(strings.ToLower(h), "-", "_") }
