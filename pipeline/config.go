package pipeline

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is a whole ingestd config file.
type Config struct {
	DataDir         string           `yaml:"data_dir" default:"${INGESTD_DATA_DIR:./data}" doc:"directory for NDJSON streams, dead letters and state"`
	HTTP            HTTPConfig       `yaml:"http" doc:"monitoring API"`
	ShutdownTimeout time.Duration    `yaml:"shutdown_timeout" default:"30s" doc:"how long a shutdown waits for in-flight batches to be acknowledged and outputs to flush"`
	Inputs          []InputBlock     `yaml:"inputs" required:"true" doc:"where events come from"`
	Pipelines       []PipelineConfig `yaml:"pipelines" required:"true" doc:"each event takes the first pipeline whose when matches"`
	Outputs         []OutputBlock    `yaml:"outputs" required:"true" doc:"where events go; pipelines name them by id"`

	// File is the path the config was read from (or the embedded name).
	File string `yaml:"-"`
}

// HTTPConfig configures the monitoring API.
type HTTPConfig struct {
	Listen string `yaml:"listen" default:"${INGESTD_HTTP_LISTEN:127.0.0.1:9600}" doc:"address of the monitoring API; empty disables it"`
}

// PipelineConfig is one pipeline: a route condition, filters, the data
// stream naming and the outputs.
type PipelineConfig struct {
	Name       string           `yaml:"name" required:"true" doc:"pipeline name, used in metrics and logs"`
	When       Condition        `yaml:"when" doc:"route condition (expr-lang); empty matches every event"`
	Workers    int              `yaml:"workers" default:"2" doc:"goroutines running this pipeline's filters"`
	QueueSize  int              `yaml:"queue_size" default:"16" doc:"batches waiting for a worker before inputs are pushed back"`
	Filters    []FilterBlock    `yaml:"filters" doc:"filters, applied in order"`
	DataStream DataStreamConfig `yaml:"data_stream" doc:"data stream the events are written to"`
	Outputs    []string         `yaml:"outputs" doc:"ids of the outputs to write to; all outputs when empty"`
	At         Pos              `yaml:"-"`
}

// Check validates the numbers of a pipeline.
func (p *PipelineConfig) Check() []FieldError {
	var errs []FieldError
	if !pipelineName.MatchString(p.Name) {
		errs = append(errs, FieldError{Field: "name", Msg: fmt.Sprintf("%q: use lower-case letters, digits, '_' and '-'", p.Name)})
	}
	if p.Workers < 1 {
		errs = append(errs, FieldError{Field: "workers", Msg: "must be at least 1"})
	}
	if p.QueueSize < 1 {
		errs = append(errs, FieldError{Field: "queue_size", Msg: "must be at least 1"})
	}
	return errs
}

var pipelineName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ByteSize is a number of bytes, written as 1048576, 512KiB, 64MiB or 1GiB.
type ByteSize int64

// DecodeNode parses a byte size.
func (b *ByteSize) DecodeNode(d *Decoder, n *yaml.Node) {
	s, ok := d.scalar(n, "size", "a size such as 64MiB")
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

// LoadFile reads and checks a config file.
func LoadFile(path string, reg *Registry, env func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Load(path, data, reg, env)
}

// Load parses and checks a config. Every problem found is returned together
// as Problems, each with FILE:LINE:COL.
func Load(name string, data []byte, reg *Registry, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, Problems{yamlProblem(name, err)}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{Pos: Pos{File: name, Line: 1, Col: 1}, Msg: "config is empty"}}
	}
	d := &Decoder{File: name, Env: env, Registry: reg}
	cfg := &Config{File: name}
	d.Decode(doc.Content[0], cfg)
	if len(d.Problems) == 0 {
		d.Problems = append(d.Problems, cfg.crossCheck()...)
	}
	if err := d.Problems.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

// yamlProblem turns a yaml.v3 syntax error into a positioned problem.
func yamlProblem(name string, err error) Problem {
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

// crossCheck finds problems that involve several sections.
func (c *Config) crossCheck() Problems {
	var ps Problems
	outputs := map[string]Pos{}
	for _, o := range c.Outputs {
		if prev, dup := outputs[o.ID]; dup {
			ps = append(ps, Problem{o.At, fmt.Sprintf("output id %q is used twice (first at %s); give one an id", o.ID, prev)})
		}
		outputs[o.ID] = o.At
	}
	names := map[string]Pos{}
	for i, p := range c.Pipelines {
		if prev, dup := names[p.Name]; dup {
			ps = append(ps, Problem{p.At, fmt.Sprintf("pipeline name %q is used twice (first at %s)", p.Name, prev)})
		}
		names[p.Name] = p.At
		for _, id := range p.Outputs {
			if _, ok := outputs[id]; !ok {
				ps = append(ps, Problem{p.At, fmt.Sprintf("pipeline %q: output %q does not exist (outputs: %s)", p.Name, id, strings.Join(keys(outputs), ", "))})
			}
		}
		for _, earlier := range c.Pipelines[:i] {
			if earlier.When.IsEmpty() {
				ps = append(ps, Problem{p.At, fmt.Sprintf("pipeline %q can never receive an event: pipeline %q before it matches everything", p.Name, earlier.Name)})
				break
			}
		}
	}
	bound := map[string]Pos{}
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err == nil && port != "0" {
		bound[port] = Pos{File: c.File, Line: 1, Col: 1}
	}
	for _, in := range c.Inputs {
		l, ok := in.Config.(Listener)
		if !ok {
			continue
		}
		for _, addr := range l.ListenAddrs() {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				ps = append(ps, Problem{in.At, fmt.Sprintf("input %q: listen address %q: %v", in.ID, addr, err)})
				continue
			}
			if prev, dup := bound[port]; dup && port != "0" {
				ps = append(ps, Problem{in.At, fmt.Sprintf("input %q: port %s is already bound by the input at %s", in.ID, port, prev)})
			}
			bound[port] = in.At
		}
	}
	return ps
}

func keys(m map[string]Pos) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
