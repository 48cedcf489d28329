package pylog

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// DictConfig reads the formatters of a logging.config.dictConfig document,
// JSON or YAML (the Jibe docs ship one as JSON), in the document's order. A
// formatter given by class ("()" or "class") keeps its fmt, datefmt and
// style: a subclass changes how values look, rarely where they are, and
// the names Attributes knows cover the common subclasses.
func DictConfig(data []byte) ([]Formatter, error) {
	var doc struct {
		Version    int       `yaml:"version"`
		Formatters yaml.Node `yaml:"formatters"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("dictConfig: %w", err)
	}
	pairs := doc.Formatters.Content
	if doc.Formatters.Kind != yaml.MappingNode || len(pairs) == 0 {
		return nil, fmt.Errorf("dictConfig: no formatters")
	}
	var out []Formatter
	for i := 0; i+1 < len(pairs); i += 2 {
		name := pairs[i].Value
		var spec map[string]any
		if err := pairs[i+1].Decode(&spec); err != nil {
			return nil, fmt.Errorf("dictConfig: formatter %s: %w", name, err)
		}
		fm := Formatter{Name: name}
		for _, key := range []string{"format", "fmt"} {
			if v, ok := spec[key]; ok {
				s, ok := v.(string)
				if !ok {
					return nil, fmt.Errorf("dictConfig: formatter %s: %s is not a string", name, key)
				}
				fm.Format = s
			}
		}
		if v, ok := spec["datefmt"]; ok && v != nil {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("dictConfig: formatter %s: datefmt is not a string", name)
			}
			fm.DateFmt = s
		}
		if v, ok := spec["style"]; ok {
			s, _ := v.(string)
			if len(s) != 1 || (s != "%" && s != "{" && s != "$") {
				return nil, fmt.Errorf("dictConfig: formatter %s: style %v is not one of %%, {, $", name, v)
			}
			fm.Style = Style(s[0])
		}
		out = append(out, fm)
	}
	return out, nil
}
