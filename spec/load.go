// Package spec reads a regsetup YAML spec: strict decoding (unknown fields
// are errors), written-down defaults, and validation that reports every
// problem at once with the file, line and field path. It also reads what the
// spec refers to (password files and variables, certificate and key) and
// returns the resolved model.
package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

// Options are the outside facts Load depends on.
type Options struct {
	// LookupEnv reads password_env variables. Default os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Now is the time certificates must be valid at. Default time.Now.
	Now func() time.Time
	// VerifyPasswords reads verify.identities' passwords (verify sets
	// it); otherwise only their form is checked: init does not need them.
	VerifyPasswords bool
}

// Load reads the spec at path and everything it refers to. Errors about the
// content wrap ErrInvalid and are of type Errors; every problem is listed.
func Load(path string, opts Options) (*model.Model, error) {
	data, err := readSpec(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading spec: %w (make one with `regsetup example > %s`, or name it with --spec)", err, filepath.Base(path))
	}
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse is Load for a spec already in memory; file names it in errors and
// its folder is where relative paths start.
func Parse(file string, data []byte, opts Options) (*model.Model, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s, pos, err := decode(file, data)
	if err != nil {
		return nil, err
	}
	setDefaults(s, pos)
	c := &checker{file: file, dir: filepath.Dir(file), pos: pos, opts: opts}
	m := c.build(s)
	if len(c.errs) > 0 {
		return nil, c.errs.sorted()
	}
	return m, nil
}

// readSpec reads the spec file, bounded: a pipe (--spec <(...)) is fine,
// /dev/zero is an error, not an endless read.
func readSpec(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readAtMost(f, maxSpecBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// decode parses one YAML document strictly.
func decode(file string, data []byte) (*Spec, positions, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if line := tabIndented(data); line > 0 {
			return nil, nil, Errors{{File: file, Line: line, Msg: "tabs are not allowed in YAML indentation: indent with spaces"}}
		}
		return nil, nil, yamlErrors(file, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil, Errors{{File: file, Msg: "the spec is empty"}}
	}
	if errs := checkTypes(file, &root); len(errs) > 0 {
		return nil, nil, errs.sorted()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, nil, yamlErrors(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, nil, Errors{{File: file, Msg: "more than one YAML document; a spec is one document"}}
	}
	pos := positions{}
	indexNode(&root, "", pos)
	return &s, pos, nil
}

// tabIndented is the first line (1-based) whose indentation holds a tab,
// or 0.
func tabIndented(data []byte) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 && len(bytes.TrimSpace(line)) > 0 {
			return i + 1
		}
	}
	return 0
}

var (
	yamlLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlErrors turns the YAML library's messages into located errors.
func yamlErrors(file string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out Errors
	for _, msg := range msgs {
		fe := FieldError{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			fe.Line, _ = strconv.Atoi(m[1])
			fe.Msg = m[2]
		}
		if m := unknownField.FindStringSubmatch(fe.Msg); m != nil {
			fe.Field, fe.Msg = m[1], "unknown field"
		}
		out = append(out, fe)
	}
	return out.sorted()
}
