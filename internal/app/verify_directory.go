package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/regsetup/regsetup/internal/dircheck"
	"github.com/regsetup/regsetup/internal/verify"
	"github.com/regsetup/regsetup/model"
)

// VerifyOptions.Directory values ("" is DirectoryCheck).
const (
	DirectoryCheck = "check"
	DirectoryOnly  = "only"
	DirectorySkip  = "skip"
)

// directoryPrecheck is verify's first step with a directory: the
// pre-flight of internal/dircheck, run from where verify runs.
func directoryPrecheck(d *model.LDAP) verify.Precheck {
	return func(ctx context.Context) (string, []string, error) {
		rep := dircheck.Check(ctx, d, dircheck.Options{})
		if !rep.OK() {
			problems := rep.Problems()
			return "", problems, fmt.Errorf("the directory: %d of %d checks failed (%s)", len(problems), len(rep.Results), problems[0])
		}
		return "the directory: " + rep.Summary(), nil, nil
	}
}

// verifyDirectoryOnly runs the pre-flight alone (verify --directory only).
func verifyDirectoryOnly(ctx context.Context, m *model.Model) (*verify.Report, error) {
	if m.LDAP == nil {
		return nil, fmt.Errorf("%w: --directory only: the spec has no directory (auth.backend: ldap)", ErrBadOption)
	}
	rep := verify.RunPrecheck(ctx, net.JoinHostPort(m.Domain, strconv.Itoa(m.Port)), directoryPrecheck(m.LDAP))
	if !rep.OK() {
		return rep, ErrChecksFailed
	}
	return rep, nil
}

// checkDirectoryOption refuses a --directory value verify does not know.
func checkDirectoryOption(v string) error {
	switch v {
	case "", DirectoryCheck, DirectoryOnly, DirectorySkip:
		return nil
	}
	return errors.New("--directory " + strconv.Quote(v) + ": want check, only or skip")
}
