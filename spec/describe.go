package spec

import (
	"reflect"
	"strings"
)

// FieldDoc describes one key of a config struct, for generated reference docs.
type FieldDoc struct {
	Key      string
	Type     string
	Doc      string
	Default  string
	Required bool
	Enum     []string
	Children []FieldDoc
}

// Describe returns the documentation of the config struct cfg points to,
// from the same tags that drive decoding.
func Describe(cfg any) []FieldDoc {
	return describe(reflect.TypeOf(cfg).Elem())
}

func describe(t reflect.Type) []FieldDoc {
	var docs []FieldDoc
	for _, f := range specOf(t) {
		ft := t.Field(f.index).Type
		doc := FieldDoc{Key: f.key, Type: typeName(ft), Doc: f.doc, Default: f.def, Required: f.required, Enum: f.enum}
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != durationType && !selfDecoding(ft) {
			doc.Children = describe(ft)
		}
		docs = append(docs, doc)
	}
	return docs
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case selfDecoding(t):
		return strings.ToLower(t.Name())
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "int"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "mapping of " + typeName(t.Elem())
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return "mapping"
}

// selfDecoding reports whether values of t decode themselves (NodeDecoder
// or encoding.TextUnmarshaler) rather than key by key.
func selfDecoding(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(nodeDecoderType) || pt.Implements(textUnmarshalerType)
}
