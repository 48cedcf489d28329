package tcp

import (
	"time"

	"github.com/ingestd/ingestd/inputs/codec"
	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Config is the tcp input's config; its tags are its spec. The Logstash
// names are given in each doc: a converted logstash.conf maps host and
// port to listen, and a codec block's delimiter to delimiter.
type Config struct {
	Listen           string         `yaml:"listen" required:"true" doc:"address to accept connections on, host:port (Logstash's host, default 0.0.0.0, and port)"`
	Mode             string         `yaml:"mode" default:"server" enum:"server,client" doc:"Logstash's mode: only server is supported (client, connecting out to a server, is refused)"`
	Codec            string         `yaml:"codec" default:"line" enum:"plain,line,json,json_lines" doc:"how the stream is cut into events: line (message per line), json_lines (a JSON object per line; one that does not parse is an event with the line in message and tag _jsonparsefailure); plain and json are taken as line and json_lines, as Logstash's tcp input does with streaming codecs"`
	Delimiter        string         `yaml:"delimiter" doc:"the line delimiter (the line and json_lines codecs' delimiter); empty (the default) is a newline, as in Logstash: write \"\\r\\n\" in YAML for CRLF"`
	MaxLineBytes     spec.ByteSize  `yaml:"max_line_bytes" default:"1MiB" doc:"longest line kept: a longer one is published cut to this length with tag _truncated and the rest of it discarded, so a client cannot exhaust memory (memory held per connection is at most this plus 64KiB)"`
	MaxConnections   int            `yaml:"max_connections" default:"1000" doc:"open connections at most; a connection over the limit is closed at once"`
	ECSCompatibility plugin.ECSMode `yaml:"ecs_compatibility" default:"disabled" enum:"disabled,v1,v8" doc:"where the client goes, as Logstash's tcp input puts it: disabled, host, port and [@metadata][ip_address]; v1 or v8 (Logstash 8's default, which a converted logstash.conf takes), [@metadata][input][tcp][source][name], [ip] and [port], and the line in [event][original]"`
	IdleTimeout      time.Duration  `yaml:"idle_timeout" default:"0s" doc:"close a connection that sends nothing for this long; 0 never does (as Logstash), dead peers are still found by TCP keepalive"`
}

// delimiter returns the line delimiter in effect.
func (c *Config) delimiter() string { return codec.Delimiter(c.Delimiter) }

// ListenAddrs implements plugin.AddressBinder.
func (c *Config) ListenAddrs() []string { return []string{c.Listen} }

// Check validates the values beyond their types.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	if err := listen.Check(c.Listen); err != nil {
		errs = append(errs, spec.FieldError{Field: "listen", Msg: err.Error()})
	}
	if c.Mode == "client" {
		errs = append(errs, spec.FieldError{Field: "mode", Msg: "client mode (connecting out to a server to read from it) is not supported: only server, which accepts connections on listen"})
	}
	if c.MaxLineBytes <= 0 {
		errs = append(errs, spec.FieldError{Field: "max_line_bytes", Msg: "must be greater than zero"})
	}
	if c.MaxConnections <= 0 {
		errs = append(errs, spec.FieldError{Field: "max_connections", Msg: "must be greater than zero"})
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, spec.FieldError{Field: "idle_timeout", Msg: "must not be negative"})
	}
	return errs
}
