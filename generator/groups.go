package generator

import (
	"bytes"
	"strings"

	"github.com/regsetup/regsetup/model"
)

// GroupFile renders auth/httpd.groups: "name: member member" per line, in
// the model's (sorted) group order.
func GroupFile(groups []model.Group) []byte {
	var b bytes.Buffer
	for _, g := range groups {
		b.WriteString(g.Name + ": " + strings.Join(g.Members, " ") + "\n")
	}
	return b.Bytes()
}
