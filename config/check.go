package config

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/ingestd/ingestd/plugin"
	"github.com/ingestd/ingestd/spec"
)

// crossCheck finds problems that involve several sections.
func (c *Config) crossCheck() spec.Problems {
	var ps spec.Problems
	if len(c.Pipelines) == 0 {
		ps = append(ps, spec.Problem{Pos: spec.Pos{File: c.File, Line: 1, Col: 1}, Msg: "no pipeline: give pipelines or include a config that has some"})
	}
	outputs := map[string]spec.Pos{}
	for _, o := range c.Outputs {
		if prev, dup := outputs[o.ID]; dup {
			ps = append(ps, spec.Problem{Pos: o.At, Msg: fmt.Sprintf("output id %q is used twice (first at %s); give one an id", o.ID, prev)})
		}
		outputs[o.ID] = o.At
	}
	inputs := map[string]spec.Pos{}
	for _, in := range c.Inputs {
		if prev, dup := inputs[in.ID]; dup {
			ps = append(ps, spec.Problem{Pos: in.At, Msg: fmt.Sprintf("input id %q is used twice (first at %s); give one an id", in.ID, prev)})
		}
		inputs[in.ID] = in.At
	}
	names := map[string]spec.Pos{}
	for i, p := range c.Pipelines {
		if prev, dup := names[p.Name]; dup {
			ps = append(ps, spec.Problem{Pos: p.At, Msg: fmt.Sprintf("pipeline name %q is used twice (first at %s)", p.Name, prev)})
		}
		names[p.Name] = p.At
		for _, id := range p.Outputs {
			if _, ok := outputs[id]; !ok {
				ps = append(ps, spec.Problem{Pos: p.At, Msg: fmt.Sprintf("pipeline %q: output %q does not exist (outputs: %s)", p.Name, id, strings.Join(keys(outputs), ", "))})
			}
		}
		for _, id := range p.Inputs {
			if _, ok := inputs[id]; !ok {
				ps = append(ps, spec.Problem{Pos: p.At, Msg: fmt.Sprintf("pipeline %q: input %q does not exist (inputs: %s)", p.Name, id, strings.Join(keys(inputs), ", "))})
			}
		}
		for _, earlier := range c.Pipelines[:i] {
			if earlier.When.IsEmpty() && takesEveryInputOf(earlier, p) {
				ps = append(ps, spec.Problem{Pos: p.At, Msg: fmt.Sprintf("pipeline %q can never receive an event: pipeline %q before it matches everything", p.Name, earlier.Name)})
				break
			}
		}
	}
	ps = append(ps, c.checkBus()...)
	// Ports bound, by network and port: a TCP and a UDP listener may share
	// a port number.
	bound := map[string]string{}
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err == nil && port != "0" {
		bound["tcp/"+port] = "the monitoring API (http.listen)"
	}
	for _, in := range c.Inputs {
		l, ok := in.Config.(plugin.AddressBinder)
		if !ok {
			continue
		}
		network := "tcp"
		if n, ok := in.Config.(plugin.NetworkReporter); ok {
			network = n.ListenNetwork()
		}
		for _, addr := range l.ListenAddrs() {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				ps = append(ps, spec.Problem{Pos: in.At, Msg: fmt.Sprintf("input %q: listen address %q: %v", in.ID, addr, err)})
				continue
			}
			key := network + "/" + port
			if prev, dup := bound[key]; dup && port != "0" {
				ps = append(ps, spec.Problem{Pos: in.At, Msg: fmt.Sprintf("input %q: %s port %s is already bound by %s", in.ID, strings.ToUpper(network), port, prev)})
			}
			bound[key] = fmt.Sprintf("input %q", in.ID)
		}
	}
	return ps
}

// checkBus checks the pipeline-to-pipeline addresses: each listened on by
// one input, and no pipeline whose events come back to it through pipeline
// outputs (they would go round for ever, and the queues fill until they
// deadlock).
func (c *Config) checkBus() spec.Problems {
	var ps spec.Problems
	listener := map[string]string{} // address → input id
	for _, in := range c.Inputs {
		bl, ok := in.Config.(plugin.BusListener)
		if !ok {
			continue
		}
		addr := bl.BusAddress()
		if prev, dup := listener[addr]; dup {
			ps = append(ps, spec.Problem{Pos: in.At, Msg: fmt.Sprintf("input %q: address %q is already listened on by input %q", in.ID, addr, prev)})
			continue
		}
		listener[addr] = in.ID
	}
	if len(listener) == 0 {
		return ps
	}
	sends := map[string][]string{} // output id → addresses
	var allOutputs []string
	for _, o := range c.Outputs {
		allOutputs = append(allOutputs, o.ID)
		if bs, ok := o.Config.(plugin.BusSender); ok {
			sends[o.ID] = bs.BusAddresses()
		}
	}
	takes := func(p PipelineConfig, input string) bool {
		return len(p.Inputs) == 0 || slices.Contains(p.Inputs, input)
	}
	next := func(i int) []int {
		outs := c.Pipelines[i].Outputs
		if len(outs) == 0 {
			outs = allOutputs
		}
		var out []int
		for _, id := range outs {
			for _, addr := range sends[id] {
				in, ok := listener[addr]
				if !ok {
					continue
				}
				for j, q := range c.Pipelines {
					if takes(q, in) {
						out = append(out, j)
					}
				}
			}
		}
		return out
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, len(c.Pipelines))
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onPath
		for _, j := range next(i) {
			if state[j] == onPath {
				p := c.Pipelines[i]
				ps = append(ps, spec.Problem{Pos: p.At, Msg: fmt.Sprintf("pipeline %q: its pipeline outputs send events back to pipeline %q (a cycle): give the pipelines inputs: so that each takes only its own inputs' events", p.Name, c.Pipelines[j].Name)})
				return true
			}
			if state[j] == unseen && visit(j) {
				return true
			}
		}
		state[i] = done
		return false
	}
	for i := range c.Pipelines {
		if state[i] == unseen && visit(i) {
			break
		}
	}
	return ps
}

// takesEveryInputOf reports whether every input p takes from is one a
// takes from too.
func takesEveryInputOf(a, p PipelineConfig) bool {
	if len(a.Inputs) == 0 {
		return true
	}
	if len(p.Inputs) == 0 {
		return false
	}
	for _, id := range p.Inputs {
		if !slices.Contains(a.Inputs, id) {
			return false
		}
	}
	return true
}

func keys(m map[string]spec.Pos) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
