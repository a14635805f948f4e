package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/regsetup/regsetup/internal/verify"
)

// checkOptions finds the option values that cannot work before the spec is
// read, each wrapped in ErrBadOption; all of them, not just the first.
func checkOptions(o VerifyOptions) error {
	var problems []string
	if o.Client != "" && o.Client != verify.ClientGGCR && o.Client != verify.ClientDocker {
		problems = append(problems, fmt.Sprintf("--client %q: want %q or %q", o.Client, verify.ClientGGCR, verify.ClientDocker))
	}
	if _, err := verify.ParseCleanup(o.Cleanup); err != nil {
		problems = append(problems, "--"+err.Error())
	}
	if err := verify.CheckTag(o.Tag); err != nil {
		problems = append(problems, "--"+err.Error())
	}
	if o.Layers < 0 {
		problems = append(problems, fmt.Sprintf("--layers %d: want 1 or more", o.Layers))
	}
	if o.LayerSize < 0 {
		problems = append(problems, fmt.Sprintf("--layer-size %d: want 1 or more bytes", o.LayerSize))
	}
	if err := checkDirectoryOption(o.Directory); err != nil {
		problems = append(problems, err.Error())
	}
	if err := checkResolve(o.Resolve); err != nil {
		problems = append(problems, err.Error())
	}
	if o.CA != "" {
		if _, err := trust(o.CA, ""); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrBadOption, strings.Join(problems, "; "))
}

// checkResolve checks the form HOST:PORT:ADDR; whether HOST:PORT is the
// spec's is checked once the spec is read.
func checkResolve(r string) error {
	if r == "" {
		return nil
	}
	parts := strings.SplitN(r, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return fmt.Errorf("--resolve %q: want HOST:PORT:ADDR, e.g. myregistrydomain.com:5043:127.0.0.1", r)
	}
	if p, err := strconv.Atoi(parts[1]); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("--resolve %q: %q is not a port", r, parts[1])
	}
	return nil
}
