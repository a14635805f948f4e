package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// Shell completion. urfave/cli v2 answers the hidden flag
// --generate-bash-completion (App.EnableBashCompletion) with the commands,
// or with the flags when the word being completed starts with "-", and
// renders fish completions itself (App.ToFishCompletion); the bash and
// zsh scripts below ask it, as the ones in urfave/cli's autocomplete/
// folder do. The bash one needs no bash-completion package.

const bashCompletion = `# bash completion for regsetup. Load it with: source <(regsetup completion bash)
_regsetup_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  local opts
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
}
complete -o bashdefault -o default -F _regsetup_complete regsetup
`

const zshCompletion = `#compdef regsetup
# zsh completion for regsetup. Load it with: source <(regsetup completion zsh)
# (after compinit), or save it as _regsetup in a folder of $fpath.
_regsetup() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _regsetup regsetup
`

// shells are the shells completion knows, in the order help lists them.
var shells = []string{"bash", "zsh", "fish"}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		UsageText: `source <(regsetup completion bash)                              # bash, this shell
   regsetup completion bash > /etc/bash_completion.d/regsetup      # bash, every shell
   source <(regsetup completion zsh)                               # zsh (after compinit)
   regsetup completion fish > ~/.config/fish/completions/regsetup.fish`,
		BashComplete: func(c *cli.Context) {
			if c.NArg() == 0 {
				fmt.Fprintln(c.App.Writer, strings.Join(shells, "\n"))
			}
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: completion takes one shell (%s), got %q (see regsetup completion --help)", errUsage, strings.Join(shells, ", "), c.Args().Slice())
			}
			return writeCompletion(c.App, c.Args().First(), c.App.Writer)
		},
	}
}

// writeCompletion writes the completion script for shell.
func writeCompletion(a *cli.App, shell string, w io.Writer) error {
	var script string
	switch shell {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		s, err := a.ToFishCompletion()
		if err != nil {
			return fmt.Errorf("rendering the fish completion: %w", err)
		}
		script = s
	default:
		return fmt.Errorf("%w: no completion for shell %q%s; regsetup knows %s", errUsage, shell, closest(shells, shell), strings.Join(shells, ", "))
	}
	_, err := io.WriteString(w, script)
	return err
}
