package dircheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/regsetup/regsetup/model"
)

// server checks one directory server.
type server struct {
	d       *model.LDAP
	host    string
	addr    string
	timeout time.Duration
	raw     net.Conn
	conn    *ldap.Conn
	out     []Result
}

func (s *server) add(check string, ok bool, format string, args ...any) bool {
	s.out = append(s.out, Result{Server: s.addr, Check: check, OK: ok, Message: fmt.Sprintf(format, args...)})
	return ok
}

// run makes the checks in order; it stops at the first one the rest
// depend on.
func (s *server) run(ctx context.Context) []Result {
	if !s.reach(ctx) {
		return s.out
	}
	defer s.close()
	if !s.secure(ctx) || !s.bind() {
		return s.out
	}
	if s.baseDN() {
		s.accounts()
	}
	for _, g := range s.d.Groups {
		s.group(g)
	}
	return s.out
}

func (s *server) reach(ctx context.Context) bool {
	dctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", s.addr)
	if err != nil {
		return s.add(CheckReach, false, "cannot reach the server: %v (is it running, and is auth.ldap.port right?)", bare(err))
	}
	s.raw = raw
	return s.add(CheckReach, true, "connected")
}

// secure does TLS as auth.ldap.tls says, and starts the LDAP client.
func (s *server) secure(ctx context.Context) bool {
	v := &verifier{d: s.d, host: s.host}
	cfg := v.config()
	s.deadline()
	switch s.d.TLS {
	case model.TLSLDAPS:
		tc := tls.Client(s.raw, cfg)
		hctx, cancel := context.WithTimeout(ctx, s.timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return s.add(CheckTLS, false, "%s", v.explain(err, s.timeout))
		}
		s.start(tc, true)
		return s.add(CheckTLS, true, "ldaps: certificate trusted (%s)", v.trustName())
	case model.TLSStartTLS:
		s.start(s.raw, false)
		if err := s.conn.StartTLS(cfg); err != nil {
			if v.err == nil && ldap.IsErrorWithCode(err, ldap.ErrorNetwork) && !strings.Contains(err.Error(), "TLS handshake") {
				return s.add(CheckTLS, false, "%s", s.explain("StartTLS", err))
			}
			return s.add(CheckTLS, false, "%s", v.explain(err, s.timeout))
		}
		return s.add(CheckTLS, true, "starttls: certificate trusted (%s)", v.trustName())
	}
	s.start(s.raw, false)
	return s.add(CheckTLS, true, "none: passwords cross the network in clear (allow_plaintext)")
}

func (s *server) start(c net.Conn, isTLS bool) {
	s.conn = ldap.NewConn(c, isTLS)
	s.conn.SetTimeout(s.timeout)
	s.conn.Start()
}

// deadline bounds the next operation on the connection also where
// go-ldap has no timeout (the TLS handshake after StartTLS).
func (s *server) deadline() {
	_ = s.raw.SetDeadline(time.Now().Add(s.timeout + time.Second))
}

func (s *server) close() {
	if s.conn != nil {
		_ = s.raw.SetDeadline(time.Now().Add(time.Second))
		s.conn.Close()
		return
	}
	s.raw.Close()
}

func (s *server) bind() bool {
	if s.d.BindDN == "" {
		return s.add(CheckBind, true, "no bind_dn: searching anonymously")
	}
	s.deadline()
	err := s.conn.Bind(s.d.BindDN, s.d.BindPassword.Reveal())
	switch {
	case err == nil:
		return s.add(CheckBind, true, "bound as %s", s.d.BindDN)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		return s.add(CheckBind, false, "the service bind is refused (invalid credentials): check auth.ldap.bind_dn (%s) and its password", s.d.BindDN)
	}
	return s.add(CheckBind, false, "%s", s.explain("the service bind as "+s.d.BindDN, err))
}

// read reads one entry (base scope) and returns its object classes.
func (s *server) read(dn string) ([]string, error) {
	s.deadline()
	res, err := s.conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, int(s.timeout.Seconds()), false,
		"(objectClass=*)", []string{"objectClass"}, nil))
	if err != nil {
		return nil, err
	}
	if len(res.Entries) == 0 {
		return nil, ldap.NewError(ldap.LDAPResultNoSuchObject, errors.New("no entry"))
	}
	return res.Entries[0].GetAttributeValues("objectClass"), nil
}

func (s *server) baseDN() bool {
	if _, err := s.read(s.d.BaseDN); err != nil {
		return s.add(CheckBaseDN, false, "auth.ldap.base_dn %s: %s", s.d.BaseDN, s.missing(err))
	}
	return s.add(CheckBaseDN, true, "base_dn %s exists", s.d.BaseDN)
}

// accounts looks for one account the filter finds under the base DN.
func (s *server) accounts() {
	s.deadline()
	res, err := s.conn.Search(ldap.NewSearchRequest(s.d.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 1, int(s.timeout.Seconds()), false,
		s.d.Filter, []string{s.d.UserAttribute}, nil))
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) || err == nil && len(res.Entries) > 0:
		s.add(CheckAccounts, true, "the filter finds accounts under base_dn")
	case err != nil:
		s.add(CheckAccounts, false, "%s", s.explain("searching base_dn with the filter "+s.d.Filter, err))
	default:
		s.add(CheckAccounts, false, "no account under base_dn matches the filter %s: nobody could sign in from the directory", s.d.Filter)
	}
}

func (s *server) group(g model.DirGroup) {
	field := "auth.ldap.groups." + g.Name
	classes, err := s.read(g.DN)
	if err != nil {
		s.add(CheckGroup, false, "%s %s: %s", field, g.DN, s.missing(err))
		return
	}
	isGroup := slices.ContainsFunc(classes, func(c string) bool {
		return slices.ContainsFunc(s.d.SubGroupClass, func(want string) bool { return strings.EqualFold(c, want) })
	})
	if !isGroup {
		s.add(CheckGroup, false, "%s %s is not a group: its object classes are %s, want one of %s", field, g.DN, strings.Join(classes, ", "), strings.Join(s.d.SubGroupClass, ", "))
		return
	}
	s.add(CheckGroup, true, "%s %s exists", field, g.DN)
}

// missing explains a failed read of an entry.
func (s *server) missing(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultNoSuchObject {
		msg := "does not exist (or the service account may not see it)"
		if le.MatchedDN != "" {
			msg += "; the nearest entry that does: " + le.MatchedDN
		}
		return msg
	}
	return s.explain("reading it", err)
}

// explain words an LDAP error of what.
func (s *server) explain(what string, err error) string {
	var le *ldap.Error
	switch {
	case errors.As(err, &le) && le.ResultCode == ldap.ErrorNetwork && strings.Contains(le.Err.Error(), "timed out"),
		isTimeout(err):
		return fmt.Sprintf("%s: the server did not answer within %s", what, s.timeout)
	case errors.As(err, &le) && le.ResultCode == ldap.ErrorNetwork:
		return fmt.Sprintf("%s: the connection failed: %v", what, le.Err)
	case errors.As(err, &le):
		return fmt.Sprintf("%s: the server answered %d (%s)", what, le.ResultCode, ldap.LDAPResultCodeMap[le.ResultCode])
	}
	return fmt.Sprintf("%s: %v", what, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bare is a dial error without Go's "dial tcp ADDR:" prefix.
func bare(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		if isTimeout(err) {
			return errors.New("no answer (timed out)")
		}
		return oe.Err
	}
	return err
}
