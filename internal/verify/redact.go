package verify

import (
	"encoding/base64"
	"sort"
	"strings"
)

// redactor removes every known password from text before it goes into a
// Report, as plain text and in the base64 form of a basic auth header.
type redactor struct {
	secrets []string
	r       *strings.Replacer
}

const redacted = "[REDACTED]"

func newRedactor(c Config) *redactor {
	x := &redactor{}
	for _, id := range append([]Identity{c.Pusher, c.Puller}, c.Users...) {
		x.add(id)
	}
	return x
}

// add registers the password of id (e.g. a generated wrong password too).
func (x *redactor) add(id Identity) {
	if id.Password == "" {
		return
	}
	basic := base64.StdEncoding.EncodeToString([]byte(id.User + ":" + id.Password))
	x.secrets = append(x.secrets, basic, id.Password)
	// Longest first, so a password that contains another is removed whole.
	sort.SliceStable(x.secrets, func(i, j int) bool { return len(x.secrets[i]) > len(x.secrets[j]) })
	pairs := make([]string, 0, 2*len(x.secrets))
	for _, s := range x.secrets {
		pairs = append(pairs, s, redacted)
	}
	x.r = strings.NewReplacer(pairs...)
}

// String returns s without secrets.
func (x *redactor) String(s string) string {
	if x.r == nil {
		return s
	}
	return x.r.Replace(s)
}
