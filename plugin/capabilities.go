package plugin

import (
	"context"

	"github.com/ingestd/ingestd/event"
)

// Optional capabilities. Each is a small interface a plugin or its config
// may implement; the engine, the CLI and the monitoring API look for them
// and never name a concrete plugin.

// AddressBinder is implemented by input configs that bind network
// addresses, so validate can find two inputs on one port.
type AddressBinder interface {
	ListenAddrs() []string
}

// NetworkReporter is implemented by AddressBinder configs that bind
// another network than TCP ("udp"): their ports do not collide with TCP
// listeners on the same port.
type NetworkReporter interface {
	ListenNetwork() string
}

// InflightBudgeter is implemented by input configs that bound the bytes
// of unacknowledged events they hold (the beats input's
// max_inflight_bytes): the auto memory limit is derived from them.
type InflightBudgeter interface {
	InflightBudget() int64
}

// Switchable is implemented by output configs that can be switched off by
// their own values (an elasticsearch output with no hosts).
type Switchable interface {
	Enabled() bool
}

// OnlineChecker is implemented by output configs whose destination can be
// checked before deploying (validate --online): it answers, accepts the
// credentials, and takes the data streams the pipelines write (patterns
// with * for names that depend on events). Each problem is one message.
type OnlineChecker interface {
	CheckOnline(ctx context.Context, dataStreams []string) []string
}

// ServingNotifier is implemented by inputs that say when they serve:
// /ready waits for it, and so does a reload that rebinds them.
type ServingNotifier interface {
	Serving() <-chan struct{}
}

// ReachabilityReporter is implemented by outputs that know whether their
// destination answers (for /ready).
type ReachabilityReporter interface {
	Reachable() bool
}

// Explainer is implemented by filters that can say why an event did not
// match them (grok), for pipeline test failures.
type Explainer interface {
	ExplainEvent(e *event.Event) []string
}

// LineExplainer is implemented by filters that can try their patterns on
// one line (ingestd grok): the report says which pattern matched and what
// it captured, or how far each got, one line of text per entry.
type LineExplainer interface {
	ExplainLine(line string) (report []string, matched bool, err error)
}

// NodeFed is implemented by inputs that only receive what other plugins of
// the node send them (the pipeline input): a node whose other inputs have
// all finished (a dead-letter replay) stops without waiting for them.
type NodeFed interface {
	NodeFed()
}

// BusListener is implemented by input configs that listen on an address of
// the node's Bus, so a config can be checked for an address listened on
// twice and for pipelines that send to each other in a cycle.
type BusListener interface {
	BusAddress() string
}

// BusSender is implemented by output configs that send to addresses of the
// node's Bus.
type BusSender interface {
	BusAddresses() []string
}
