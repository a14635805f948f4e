package spec

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestStarterNamesEveryField: `regsetup example` shows every field the
// spec accepts (written or commented out), so a new field cannot be left
// out of the starter.
func TestStarterNamesEveryField(t *testing.T) {
	for _, f := range specFields(reflect.TypeFor[Spec](), "") {
		name := f[strings.LastIndexByte(f, '.')+1:]
		if !regexp.MustCompile(`(?m)(^|[\s{,#-])` + regexp.QuoteMeta(name) + `:`).Match(Starter) {
			t.Errorf("spec/starter.yaml does not show %s", f)
		}
	}
}

// specFields lists the YAML field paths of t, depth first.
func specFields(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[Principals]() {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := strings.TrimPrefix(prefix+"."+name, ".")
		out = append(out, path)
		out = append(out, specFields(t.Field(i).Type, path)...)
	}
	return out
}
