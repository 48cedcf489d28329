package udp

import (
	"github.com/ingestd/ingestd/event"
	"github.com/ingestd/ingestd/inputs/codec"
	"github.com/ingestd/ingestd/inputs/listen"
	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// Config is the udp input's config; its tags are its spec. The Logstash
// names are given in each doc: a converted logstash.conf maps host and
// port to listen; workers has no counterpart (one goroutine reads the
// socket, which is not the bottleneck: the pipelines run the filters).
type Config struct {
	Listen             string         `yaml:"listen" required:"true" doc:"address to receive datagrams on, host:port (Logstash's host, default 0.0.0.0, and port)"`
	Codec              string         `yaml:"codec" default:"plain" enum:"plain,line,json,json_lines" doc:"how datagrams become events: plain (each datagram one event, its text in message), json (each datagram a JSON object, or an array of them), line and json_lines (each line of a datagram one event; a datagram's last line needs no delimiter). JSON that does not parse is an event with the text in message and tag _jsonparsefailure"`
	Delimiter          string         `yaml:"delimiter" doc:"the line delimiter of the line and json_lines codecs; empty (the default) is a newline, as in Logstash: write \"\\r\\n\" in YAML for CRLF"`
	BufferSize         int            `yaml:"buffer_size" default:"65536" doc:"largest datagram read (Logstash's buffer_size); a longer one is published cut to this size with tag _truncated"`
	QueueSize          int            `yaml:"queue_size" default:"2000" doc:"datagrams read and not yet published (Logstash's queue_size); when it is full the socket is not read and the kernel drops what no longer fits its receive buffer"`
	ReceiveBufferBytes spec.ByteSize  `yaml:"receive_buffer_bytes" default:"0" doc:"the socket's receive buffer (SO_RCVBUF, Logstash's receive_buffer_bytes); 0 keeps the system's default"`
	SourceIPFieldname  string         `yaml:"source_ip_fieldname" doc:"the field the sender's IP address goes in, unless the event has it (Logstash's source_ip_fieldname); empty: host, or [host][ip] with ECS compatibility"`
	ECSCompatibility   plugin.ECSMode `yaml:"ecs_compatibility" default:"disabled" enum:"disabled,v1,v8" doc:"disabled: the sender in host; v1 or v8 (Logstash 8's default, which a converted logstash.conf takes): in [host][ip], and the datagram (plain) or line in [event][original]"`

	sourceIP event.Path
}

// delimiter returns the line delimiter in effect.
func (c *Config) delimiter() string { return codec.Delimiter(c.Delimiter) }

// ListenAddrs implements plugin.AddressBinder.
func (c *Config) ListenAddrs() []string { return []string{c.Listen} }

// ListenNetwork implements plugin.NetworkReporter: UDP ports do not
// collide with TCP ones.
func (c *Config) ListenNetwork() string { return "udp" }

// Check validates the values beyond their types.
func (c *Config) Check() []spec.FieldError {
	var errs []spec.FieldError
	if err := listen.Check(c.Listen); err != nil {
		errs = append(errs, spec.FieldError{Field: "listen", Msg: err.Error()})
	}
	// 65535 is the largest IPv4 datagram; a larger buffer is only waste.
	if c.BufferSize <= 0 || c.BufferSize > 1<<20 {
		errs = append(errs, spec.FieldError{Field: "buffer_size", Msg: "must be from 1 to 1048576"})
	}
	if c.QueueSize <= 0 {
		errs = append(errs, spec.FieldError{Field: "queue_size", Msg: "must be greater than zero"})
	}
	if c.ReceiveBufferBytes < 0 || c.ReceiveBufferBytes > 1<<30 {
		errs = append(errs, spec.FieldError{Field: "receive_buffer_bytes", Msg: "must be from 0 to 1GiB"})
	}
	field := c.SourceIPFieldname
	if field == "" {
		field = "host"
		if c.ECSCompatibility.ECS() {
			field = "[host][ip]"
		}
	}
	p, err := event.ParsePath(field)
	switch {
	case err != nil:
		errs = append(errs, spec.FieldError{Field: "source_ip_fieldname", Msg: err.Error()})
	case len(p) == 0:
		errs = append(errs, spec.FieldError{Field: "source_ip_fieldname", Msg: "must not be empty"})
	default:
		c.sourceIP = p
	}
	return errs
}
