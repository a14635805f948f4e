package bench

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
)

// firstMatch is the value of the first "key : value" line of file.
func firstMatch(file, key string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// commandLine is the first line of a command's combined output ("" if it
// cannot run).
func commandLine(bin string, args ...string) string {
	b, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return trim(line)
}

func trim(s string) string { return strings.TrimSpace(s) }

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
