// Package pylog compiles Python logging formats — the fmt and datefmt of
// a logging.Formatter in any of its three styles ("%(name)s", "{name}",
// "$name") — into format.Formats, and reads the formatters of a
// logging.config.dictConfig file.
//
// Every LogRecord attribute that can appear in text maps to an ECS field
// (see Attributes); attributes a program adds through `extra` or a
// Formatter subclass (Celery's task_name, uvicorn's levelprefix, Django's
// server_time) are known too, and any other name lands under
// python.<name> as text.
package pylog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ingestd/ingestd/format"
)

// Attributes are the LogRecord attributes (Python's logging docs, "LogRecord
// attributes") and the extras of the programs the shipped library knows.
// asctime and the time extras are Time fields whose layout comes from
// datefmt. Each is the field an attribute becomes (Target, Kind, Dash);
// the declaration adds its name, width and precision.
var Attributes = map[string]format.Field{
	"asctime":         {Target: "", Kind: format.Time},
	"created":         {Target: "", Kind: format.Epoch},
	"msecs":           {Target: "", Kind: format.Millis},
	"relativeCreated": {Target: "[python][relative_created]", Kind: format.Float},
	"levelname":       {Target: "[log_level]", Kind: format.Level},
	"levelno":         {Target: "[log_level]", Kind: format.LevelNumber},
	"name":            {Target: "[logger_name]", Kind: format.Text},
	"message":         {Target: "[message]", Kind: format.Message},
	"thread":          {Target: "[process][thread][id]", Kind: format.Int},
	"threadName":      {Target: "[process][thread][name]", Kind: format.Text},
	"process":         {Target: "[process][pid]", Kind: format.Int},
	"processName":     {Target: "[process][name]", Kind: format.Text},
	"taskName":        {Target: "[python][task_name]", Kind: format.Text},
	"module":          {Target: "[log][origin][module]", Kind: format.Token},
	"funcName":        {Target: "[log][origin][function]", Kind: format.Token},
	"pathname":        {Target: "[log][origin][file][path]", Kind: format.Text},
	"filename":        {Target: "[log][origin][file][name]", Kind: format.Text},
	"lineno":          {Target: "[log][origin][file][line]", Kind: format.Int},

	// Celery's TaskFormatter: "???" outside a task (celery/app/log.py).
	"task_name": {Target: "[celery][task_name]", Kind: format.Token, Absent: "???"},
	"task_id":   {Target: "[celery][task_id]", Kind: format.Token, Absent: "???"},
	// uvicorn's DefaultFormatter and AccessFormatter.
	"levelprefix":  {Target: "[log_level]", Kind: format.Level},
	"client_addr":  {Target: "", Kind: format.HostPort},
	"request_line": {Target: "", Kind: format.Request},
	"status_code":  {Target: "[http][response][status_code]", Kind: format.Status},
	// Django's ServerFormatter and http.server's log lines.
	"server_time": {Target: "", Kind: format.Time},
	// Access-log pieces the shipped library names (tornado, werkzeug).
	"remote_addr":    {Target: "[source][address]", Kind: format.Token},
	"remote_user":    {Target: "[user][name]", Kind: format.Token, Dash: true},
	"request_method": {Target: "[http][request][method]", Kind: format.Token},
	"remote_port":    {Target: "[source][port]", Kind: format.Int},
	"uri":            {Target: "[url][original]", Kind: format.Token},
	"size":           {Target: "[http][response][body][bytes]", Kind: format.Int, Dash: true},
	"duration_ms":    {Target: "[event][duration]", Kind: format.Millisecs},
	// PT's celery format.
	"process_memory": {Target: "[celery][process_memory]", Kind: format.Text},
	"available_ram":  {Target: "[celery][available_ram]", Kind: format.Text},
	"available_swap": {Target: "[celery][available_swap]", Kind: format.Text},
}

// serverTimeLayout is http.server's log_date_time_string, which Django's
// runserver and werkzeug pass as server_time.
const serverTimeLayout = "%d/%b/%Y %H:%M:%S"

// Style is a logging.Formatter style.
type Style byte

// The styles: '%' (printf), '{' (str.format), '$' (string.Template).
const (
	Percent Style = '%'
	Brace   Style = '{'
	Dollar  Style = '$'
)

// Formatter is a logging formatter as declared: its fmt, datefmt and
// style.
type Formatter struct {
	Name    string
	Format  string
	DateFmt string
	Style   Style
	// DefaultMsec is Python's default_msec_format ("%s,%03d") used when
	// DateFmt is empty; empty means the default.
	DefaultMsec string
}

// DefaultFormat is logging.Formatter's format when none is given.
const DefaultFormat = "%(message)s"

// Compile compiles a formatter into a format.
func Compile(fm Formatter) (*format.Format, error) {
	if fm.Format == "" {
		fm.Format = DefaultFormat
	}
	if fm.Style == 0 {
		fm.Style = Percent
	}
	var pieces []format.Piece
	var err error
	switch fm.Style {
	case Percent:
		pieces, err = percentPieces(fm)
	case Brace:
		pieces, err = bracePieces(fm)
	case Dollar:
		pieces, err = dollarPieces(fm)
	default:
		return nil, fmt.Errorf("python format %q: style %q is not one of %%, {, $", fm.Format, fm.Style)
	}
	if err != nil {
		return nil, err
	}
	name := fm.Name
	if name == "" {
		name = fm.Format
	}
	return format.Compile(name, fm.Format, pieces)
}

// spec is how a conversion pads a value: its width and precision, its
// alignment ('<', '>', '^', '=', or 0 for the value's default) and fill
// byte (0 for a space).
type spec struct {
	width, precision int
	align, fill      byte
	// numeric is a conversion type only a number takes ("d", "f").
	numeric bool
}

// field builds the pieces of one attribute: most are one field; uvicorn's
// levelprefix is the level, a colon and padding.
func field(fm Formatter, attr, declared string, sp spec) ([]format.Piece, error) {
	fd, known := Attributes[attr]
	if !known {
		fd = format.Field{Target: "[python][" + attr + "]", Kind: format.Text}
	}
	align := sp.align
	if align == 0 {
		// str.format aligns a str left and a number right.
		align = '<'
		if fd.Kind.Numeric() || !known && sp.numeric {
			align = '>'
		}
	}
	if align == '=' && known && !fd.Kind.Numeric() {
		// Python raises "'=' alignment not allowed in string format
		// specifier" for every record: no line has it.
		return nil, fmt.Errorf("%s: '=' alignment is for numbers, and %s is a str", declared, attr)
	}
	// '=' pads between a number's sign and its digits: a number without
	// a sign, as the LogRecord's are, is padded as by '>'.
	fd.Name, fd.Width, fd.Precision = declared, sp.width, sp.precision
	fd.LeftAlign, fd.Center, fd.Fill = align == '<', align == '^', sp.fill
	switch attr {
	case "asctime":
		l, err := asctimeLayout(fm)
		if err != nil {
			return nil, err
		}
		fd.Layout = l
	case "server_time":
		l, err := format.ParseStrftime(serverTimeLayout)
		if err != nil {
			return nil, err
		}
		fd.Layout = l
	case "levelprefix":
		// levelname + ":" + spaces up to 8 characters for the name
		// (uvicorn.logging.DefaultFormatter).
		return []format.Piece{format.F(fd), format.Lit(":"), format.Pad(9)}, nil
	}
	if fd.Kind == format.Level && sp.precision > 0 && sp.precision < 3 {
		fd.Width = sp.precision // tornado's "%(levelname)1.1s": the first letter
	}
	return []format.Piece{format.F(fd)}, nil
}

func asctimeLayout(fm Formatter) (*format.Layout, error) {
	if fm.DateFmt != "" {
		return format.ParseStrftime(fm.DateFmt)
	}
	// Formatter.formatTime: default_time_format, then default_msec_format
	// ("%s,%03d") appends the milliseconds.
	msec := fm.DefaultMsec
	if msec == "" {
		msec = "%s,%03d"
	}
	sep, ok := strings.CutPrefix(msec, "%s")
	if !ok || !strings.HasSuffix(sep, "%03d") {
		return nil, fmt.Errorf("default_msec_format %q: want %%s<sep>%%03d", msec)
	}
	sep = strings.TrimSuffix(sep, "%03d")
	return format.ParseStrftime("%Y-%m-%d %H:%M:%S" + strings.ReplaceAll(sep, "%", "%%") + "%f3")
}

// percentPieces reads "%(name)-8.3s" conversions, as PercentStyle's
// validation pattern does: %\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%].
func percentPieces(fm Formatter) ([]format.Piece, error) {
	src := fm.Format
	var b format.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '%' {
			b.Byte(c)
			continue
		}
		if i+1 < len(src) && src[i+1] == '%' {
			b.Byte('%')
			i++
			continue
		}
		if i+1 >= len(src) || src[i+1] != '(' {
			return nil, fmt.Errorf("python format %q: %% at %d is not %%(name)s", src, i)
		}
		end := strings.IndexByte(src[i:], ')')
		if end < 0 {
			return nil, fmt.Errorf("python format %q: unclosed %%( at %d", src, i)
		}
		attr := src[i+2 : i+end]
		j := i + end + 1
		left := false
		for j < len(src) && strings.IndexByte("#0+ -", src[j]) >= 0 {
			if src[j] == '-' {
				left = true
			}
			j++
		}
		width, n := atoi(src[j:])
		j += n
		precision := 0
		if j < len(src) && src[j] == '.' {
			precision, n = atoi(src[j+1:])
			j += 1 + n
		}
		if j >= len(src) || strings.IndexByte("diouxXeEfFgGcrsa", src[j]) < 0 {
			return nil, fmt.Errorf("python format %q: %%(%s) has no conversion type", src, attr)
		}
		declared := src[i : j+1]
		align := byte('>') // printf pads on the left unless "-"
		if left {
			align = '<'
		}
		ps, err := field(fm, attr, declared, spec{width: width, precision: precision, align: align})
		if err != nil {
			return nil, fmt.Errorf("python format %q: %w", src, err)
		}
		b.Add(ps...)
		i = j
	}
	return b.Pieces(), nil
}

// bracePieces reads "{name}", "{name:<8}", "{name!r}" and "{{" escapes.
func bracePieces(fm Formatter) ([]format.Piece, error) {
	src := fm.Format
	var b format.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '{' && i+1 < len(src) && src[i+1] == '{':
			b.Byte('{')
			i++
			continue
		case c == '}' && i+1 < len(src) && src[i+1] == '}':
			b.Byte('}')
			i++
			continue
		case c != '{':
			b.Byte(c)
			continue
		}
		end := strings.IndexByte(src[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("python format %q: unclosed { at %d", src, i)
		}
		body := src[i+1 : i+end]
		attr, spec, _ := strings.Cut(body, ":")
		attr, _, _ = strings.Cut(attr, "!")
		sp, err := braceSpec(spec)
		if err != nil {
			return nil, fmt.Errorf("python format %q: {%s}: %w", src, body, err)
		}
		ps, err := field(fm, attr, src[i:i+end+1], sp)
		if err != nil {
			return nil, fmt.Errorf("python format %q: %w", src, err)
		}
		b.Add(ps...)
		i += end
	}
	return b.Pieces(), nil
}

// braceSpec reads a str.format spec, [[fill]align][sign][z][#][0][width]
// [,|_][.precision][type] (Python's format-spec mini-language); the
// alignment is left 0 when the spec has none, for field to choose by the
// value's type.
func braceSpec(s string) (spec, error) {
	var sp spec
	if s == "" {
		return sp, nil
	}
	i := 0
	if len(s) >= 2 && strings.IndexByte("<>^=", s[1]) >= 0 {
		if s[0] == '{' || s[0] == '}' || s[0] >= 0x80 {
			return sp, fmt.Errorf("fill %q is not supported", s[0])
		}
		sp.fill, sp.align, i = s[0], s[1], 2
	} else if strings.IndexByte("<>^=", s[0]) >= 0 {
		sp.align, i = s[0], 1
	}
	for i < len(s) && strings.IndexByte("+- z#", s[i]) >= 0 {
		i++
	}
	// A 0 before the width makes 0 the fill when the spec names none:
	// format(42, "05") is "00042" and, since Python 3.10,
	// format("ab", "05") is "ab000".
	if i < len(s) && s[i] == '0' {
		if sp.fill == 0 {
			sp.fill = '0'
		}
		for i < len(s) && s[i] == '0' {
			i++
		}
	}
	var n int
	sp.width, n = atoi(s[i:])
	i += n
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		i++
	}
	if i < len(s) && s[i] == '.' {
		sp.precision, n = atoi(s[i+1:])
		i += 1 + n
	}
	if i < len(s) && strings.IndexByte("bcdefgnosxBCDEFGNOSX%", s[i]) >= 0 {
		sp.numeric = s[i] != 's' && s[i] != 'S'
		i++
	}
	if i != len(s) {
		return sp, fmt.Errorf("format spec %q is not one Python reads", s)
	}
	return sp, nil
}

// dollarPieces reads "$name", "${name}" and "$$".
func dollarPieces(fm Formatter) ([]format.Piece, error) {
	src := fm.Format
	var b format.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '$' {
			b.Byte(c)
			continue
		}
		if i+1 < len(src) && src[i+1] == '$' {
			b.Byte('$')
			i++
			continue
		}
		attr, declared, n, err := format.DollarName(src, i, false)
		if err != nil {
			return nil, fmt.Errorf("python format %q: %w", src, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("python format %q: $ at %d names nothing", src, i)
		}
		i += n - 1
		ps, err := field(fm, attr, declared, spec{})
		if err != nil {
			return nil, fmt.Errorf("python format %q: %w", src, err)
		}
		b.Add(ps...)
	}
	return b.Pieces(), nil
}

func atoi(s string) (int, int) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, 0
	}
	v, _ := strconv.Atoi(s[:n])
	return v, n
}
