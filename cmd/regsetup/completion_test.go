package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/testenv"
)

// TestCompletionScripts: each shell's script names regsetup's commands (or
// the hook that asks for them), and a shell regsetup does not know, or no
// shell, is a bad command line.
func TestCompletionScripts(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"completion", "bash"}, exitOK, "complete -o bashdefault -o default -F _regsetup_complete regsetup", ""},
		{[]string{"completion", "zsh"}, exitOK, "compdef _regsetup regsetup", ""},
		{[]string{"completion", "fish"}, exitOK, "-a 'init'", ""},
		{[]string{"completion", "ksh"}, exitUsage, "", `no completion for shell "ksh"; did you mean "zsh"?`},
		{[]string{"completion"}, exitUsage, "", "completion takes one shell"},
		{[]string{"completion", "bash", "zsh"}, exitUsage, "", "completion takes one shell"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s(want %q)\nstderr:\n%s(want %q)", code, tt.code, stdout, tt.stdout, stderr, tt.stderr)
			}
		})
	}
}

// TestBashCompletion loads `regsetup completion bash` into a real bash
// with the built binary first on PATH and completes as the shell would
// on TAB: a command, a command's flag, and completion's shells.
func TestBashCompletion(t *testing.T) {
	testenv.Tool(t, "bash")
	dir := t.TempDir()
	buildRegsetup(t, dir)
	tests := []struct {
		words string // what is typed, the last word being completed
		want  []string
		not   string
	}{
		{"regsetup in", []string{"init"}, "verify"},
		{"regsetup ver", []string{"verify", "version"}, "init"},
		{"regsetup init --sp", []string{"--spec"}, "--check"},
		{"regsetup verify --re", []string{"--repo", "--resolve"}, "--check"},
		{"regsetup completion ", []string{"bash", "fish", "zsh"}, "init"},
	}
	for _, tt := range tests {
		t.Run(tt.words, func(t *testing.T) {
			script := `source <(regsetup completion bash)
COMP_WORDS=(` + tt.words + `)
[[ "` + tt.words + `" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
_regsetup_complete
printf '%s\n' "${COMPREPLY[@]}"`
			cmd := exec.Command("bash", "--norc", "-c", script)
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			got := strings.Fields(string(out))
			for _, w := range tt.want {
				if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+w+" ") {
					t.Errorf("completing %q gave %q, want %s among them", tt.words, got, w)
				}
			}
			if strings.Contains(" "+strings.Join(got, " ")+" ", " "+tt.not+" ") {
				t.Errorf("completing %q gave %q, which must not hold %s", tt.words, got, tt.not)
			}
		})
	}
}
