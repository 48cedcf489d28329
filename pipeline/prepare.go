package pipeline

// Prepare implements Preparer: it routes events and runs the filters of
// their pipelines now, in the caller's goroutine.
func (r *Runner) Prepare(events []*Event) []*Event {
	g := r.acquire()
	defer g.mu.RUnlock()
	if len(g.pipelines) == 1 && g.pipelines[0].When.IsEmpty() {
		return g.pipelines[0].prepare(events)
	}
	groups := r.group(g, events) // copies: kept may reuse events' array
	kept := events[:0]
	for i, grp := range groups {
		if len(grp) > 0 {
			kept = append(kept, g.pipelines[i].prepare(grp)...)
		}
	}
	return kept
}

// prepare runs the filters over events (at most a run; see runLength) and
// marks those kept as prepared.
func (p *Pipeline) prepare(events []*Event) []*Event {
	kept := p.processChunk(events)
	for _, e := range kept {
		e.prepared = true
	}
	return kept
}

// splitPrepared separates the prepared events of chunk from the others.
// Inputs publish prepared and unprepared events apart, so a chunk is one
// or the other; both only when a reload moved prepared events to a
// pipeline of the new config (see Publish).
func splitPrepared(chunk []*Event) (prepared, fresh []*Event) {
	n := 0
	for _, e := range chunk {
		if e.prepared {
			n++
		}
	}
	switch n {
	case 0:
		return nil, chunk
	case len(chunk):
		return chunk, nil
	}
	for _, e := range chunk {
		if e.prepared {
			prepared = append(prepared, e)
		} else {
			fresh = append(fresh, e)
		}
	}
	return prepared, fresh
}

// pipelineNamed is the index of the pipeline called name, or -1.
func (g *generation) pipelineNamed(name string) int {
	for i, p := range g.pipelines {
		if p.Name == name {
			return i
		}
	}
	return -1
}
