package format

import (
	"fmt"
	"regexp"
	"strings"
)

// patternKinds are the kinds a pattern names.
var patternKinds = map[string]Kind{
	"text": Text, "message": Message, "token": Token, "int": Int, "float": Float,
	"level": Level, "letter": Level, "time": Time, "millis": Millis, "epoch": Epoch,
	"request": Request, "hostport": HostPort, "status": Status, "seconds": Seconds,
	"ms": Millisecs, "us": Microsecs, "protocol": Protocol, "levelno": LevelNumber,
	"enum": Enum, "rest": Message,
}

var targetRE = regexp.MustCompile(`^(\[[^\[\]]+\])+$`)

// ParsePattern compiles ingestd's own notation for formats that no
// program lets users declare (nginx's error log, redis): literal text and
// %{kind [target] args} fields, e.g.
//
//	%{time %Y/%m/%d %H:%M:%S} [%{level [log_level]}] %{int [process][pid]}#%{int [process][thread][id]}: %{message}
//
// Kinds: text, token, message, rest (the rest of the line, dropped), int,
// float, level, letter (a one-letter level), levelno, time (args: a
// strftime layout; the time goes to @timestamp), millis, epoch, request,
// hostport, status, protocol, seconds, ms, us (durations), enum (args:
// KEY=value …). A "?" after the kind (%{int? [x]}) means "-" stands for
// no value. A field without a target is checked and dropped, except the
// message (to [message]) and the time kinds. "%%" is a literal "%".
func ParsePattern(name, src string) (*Format, error) {
	var b Builder
	for i := 0; i < len(src); i++ {
		if src[i] == '%' && i+1 < len(src) && src[i+1] == '%' {
			b.Byte('%')
			i++
			continue
		}
		if src[i] != '%' || i+1 >= len(src) || src[i+1] != '{' {
			b.Byte(src[i])
			continue
		}
		end := strings.IndexByte(src[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("pattern %s: unclosed %%{ at %d", name, i)
		}
		body := src[i+2 : i+end]
		declared := src[i : i+end+1]
		i += end
		fd, err := patternField(body, declared)
		if err != nil {
			return nil, fmt.Errorf("pattern %s: %w", name, err)
		}
		b.Add(F(fd))
	}
	return Compile(name, src, b.Pieces())
}

func patternField(body, declared string) (Field, error) {
	kindName, rest, _ := strings.Cut(body, " ")
	kindName, dash := strings.CutSuffix(kindName, "?")
	kind, ok := patternKinds[kindName]
	if !ok {
		return Field{}, fmt.Errorf("%s: unknown kind %q", declared, kindName)
	}
	fd := Field{Name: declared, Kind: kind, Dash: dash}
	if t, args, _ := strings.Cut(rest, " "); targetRE.MatchString(t) {
		fd.Target, rest = t, args
	}
	switch kindName {
	case "message":
		if fd.Target == "" {
			fd.Target = "[message]"
		}
	case "letter":
		fd.Width, fd.Precision = 1, 1
	case "time":
		if rest == "" {
			return fd, fmt.Errorf("%s: a time needs a layout", declared)
		}
		l, err := ParseStrftime(rest)
		if err != nil {
			return fd, fmt.Errorf("%s: %w", declared, err)
		}
		fd.Layout, rest = l, ""
	case "enum":
		fd.Enum = map[string]string{}
		for _, kv := range strings.Fields(rest) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return fd, fmt.Errorf("%s: %q is not KEY=value", declared, kv)
			}
			fd.Enum[k] = v
		}
		if len(fd.Enum) == 0 {
			return fd, fmt.Errorf("%s: an enum needs KEY=value pairs", declared)
		}
		rest = ""
	}
	if rest != "" {
		return fd, fmt.Errorf("%s: unexpected %q", declared, rest)
	}
	return fd, nil
}
