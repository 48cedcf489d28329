package event

// AddTags adds every tag of tags to e (a failure tag list of a filter).
func (e *Event) AddTags(tags []string) {
	for _, t := range tags {
		e.AddTag(t)
	}
}

// RemoveTag removes tag from e if present.
func (e *Event) RemoveTag(tag string) {
	v, ok := e.Get(tagsPath)
	if !ok || v.kind != KindArray {
		if ok && v.kind == KindString && v.str() == tag {
			e.Delete(tagsPath)
		}
		return
	}
	items := make([]Field, 0, len(v.items()))
	for _, f := range v.items() {
		if !(f.Value.kind == KindString && f.Value.str() == tag) {
			items = append(items, f)
		}
	}
	e.Set(tagsPath, itemsValue(KindArray, items))
}
