package testenv

import (
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden"
)

func TestToolFindsAProgram(t *testing.T) {
	if p := Tool(t, "sh"); p == "" {
		t.Fatal("sh not found")
	}
}
