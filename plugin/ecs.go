package plugin

// ECSMode is a plugin's ecs_compatibility, as Logstash's plugins take it:
// disabled (their legacy field names), v1 or v8 (Elastic Common Schema
// names). Declare it with `enum:"disabled,v1,v8"`.
type ECSMode string

// ECS reports whether the mode writes ECS field names.
func (m ECSMode) ECS() bool { return m == "v1" || m == "v8" }
