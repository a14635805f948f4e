package dircheck

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/regsetup/regsetup/model"
)

// Check names, in the order they run on each server.
const (
	CheckReach    = "reach"
	CheckTLS      = "tls"
	CheckBind     = "bind"
	CheckBaseDN   = "base_dn"
	CheckAccounts = "accounts"
	CheckGroup    = "group" // one per auth.ldap.groups entry
)

// Result is one check on one server.
type Result struct {
	Server  string // host:port
	Check   string
	OK      bool
	Message string // what was found, or what is wrong, in words
}

// Report is every check on every server, servers in the spec's order.
type Report struct {
	Results []Result
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, res := range r.Results {
		if !res.OK {
			return false
		}
	}
	return len(r.Results) > 0
}

// Problems are the failed checks, one line each: "SERVER: MESSAGE".
func (r *Report) Problems() []string {
	var out []string
	for _, res := range r.Results {
		if !res.OK {
			out = append(out, res.Server+": "+res.Message)
		}
	}
	return out
}

// Summary is one line for a report that passed.
func (r *Report) Summary() string {
	var servers []string
	for _, res := range r.Results {
		if len(servers) == 0 || servers[len(servers)-1] != res.Server {
			servers = append(servers, res.Server)
		}
	}
	return fmt.Sprintf("%d of %d checks passed on %s", len(r.Results)-len(r.Problems()), len(r.Results), strings.Join(servers, ", "))
}

// Options tune Check.
type Options struct {
	// Timeout bounds connecting and each operation; default the
	// directory's own timeout (auth.ldap.timeout).
	Timeout time.Duration
}

// Check runs every check on every server of d. A server that cannot be
// reached, or whose TLS or service bind fails, gets no further checks.
func Check(ctx context.Context, d *model.LDAP, opts Options) *Report {
	if opts.Timeout == 0 {
		opts.Timeout = time.Duration(d.Timeout) * time.Second
	}
	rep := &Report{}
	for _, host := range d.Servers {
		s := &server{d: d, host: host, addr: host + ":" + strconv.Itoa(d.Port), timeout: opts.Timeout}
		if strings.Contains(host, ":") {
			s.addr = "[" + host + "]:" + strconv.Itoa(d.Port)
		}
		rep.Results = append(rep.Results, s.run(ctx)...)
	}
	return rep
}
