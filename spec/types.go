package spec

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	yamlv4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"
)

// ByteSize is a number of bytes, written as 1048576, 512KiB, 64MiB or 1GiB.
type ByteSize int64

// DecodeNode parses a byte size.
func (b *ByteSize) DecodeNode(d *Decoder, n *yaml.Node) {
	s, ok := d.Scalar(n, "size", "a size such as 64MiB")
	if !ok {
		return
	}
	v, err := ParseByteSize(s)
	if err != nil {
		d.Report(n, "%v", err)
		return
	}
	*b = ByteSize(v)
}

// ParseByteSize parses sizes such as 1024, 10KiB, 64MiB, 1GiB (also KB, MB,
// GB as powers of 1000).
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("expected a size such as 1048576, 512KiB or 64MiB, got %q", s)
	}
	return n * mult, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

// YAMLProblem turns a YAML syntax error in src into a positioned problem.
// yaml.v3 words the error with the line of the construct around the
// problem, counted from 0 for parser errors (a tab on line 6 was "line 5",
// an unclosed { on line 6 "line 5"), and no column; its successor,
// go.yaml.in/yaml/v4, reads the same text and says where the problem is
// and where the construct began, so src is parsed again with it to place
// the problem. yaml.v3's own line is the fallback.
func YAMLProblem(name string, src []byte, err error) Problem {
	var doc yamlv4.Node
	var le *yamlv4.LoadError
	if errors.As(yamlv4.Unmarshal(src, &doc), &le) && le.Mark.Line > 0 {
		p := Problem{Pos: Pos{File: name, Line: le.Mark.Line, Col: max(le.Mark.Column, 1)}, Msg: "invalid YAML: " + le.Message}
		if le.ContextMsg != "" && le.ContextMark.Line > 0 && le.ContextMark != le.Mark {
			p.Msg += fmt.Sprintf(" (%s that starts at %d:%d)", le.ContextMsg, le.ContextMark.Line, max(le.ContextMark.Column, 1))
		}
		return p
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{Pos: Pos{File: name, Line: 1, Col: 1}, Msg: "invalid YAML: " + msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Pos.Line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			p.Pos.Col, _ = strconv.Atoi(m[2])
		}
		p.Msg = "invalid YAML: " + m[3]
	}
	return p
}
