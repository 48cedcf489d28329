package lsconf

// PipelineLink is a pipeline-to-pipeline plugin: a `pipeline` input
// listening on a virtual address, or a `pipeline` output sending to some.
// To the parser they are ordinary plugins; this lists them for the step
// that wires pipelines together.
type PipelineLink struct {
	Kind    string   // KindInput or KindOutput
	Address string   // the input's address
	SendTo  []string // the output's send_to addresses
	Plugin  *Plugin
}

// PipelineLinks returns the pipeline inputs and outputs of cfg, in order,
// including those inside conditionals. Addresses may be barewords or
// strings (send_to => [a, "b"] and send_to => a are both accepted by the
// plugins); values of other types are left out.
func (c *Config) PipelineLinks() []PipelineLink {
	var out []PipelineLink
	for _, kind := range []string{KindInput, KindOutput} {
		for _, p := range c.Plugins(kind) {
			if p.Name != "pipeline" {
				continue
			}
			l := PipelineLink{Kind: kind, Plugin: p}
			if kind == KindInput {
				if a := p.Attr("address"); a != nil {
					l.Address = ScalarText(a.Value)
				}
			} else {
				for _, a := range p.Attrs {
					if a.Name == "send_to" {
						l.SendTo = append(l.SendTo, scalarTexts(a.Value)...)
					}
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// scalarTexts flattens a scalar or an array of scalars into texts.
func scalarTexts(v Value) []string {
	if arr, ok := v.(*Array); ok {
		var out []string
		for _, e := range arr.Elems {
			out = append(out, scalarTexts(e)...)
		}
		return out
	}
	if s := ScalarText(v); s != "" {
		return []string{s}
	}
	return nil
}
