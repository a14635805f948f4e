package stacktest

import (
	"strings"
	"testing"
)

func TestListenPort(t *testing.T) {
	for conf, want := range map[string]int{
		"ServerRoot x\nListen 5043\n":       5043,
		"  listen 0.0.0.0:443\nListen 80\n": 443,
		"Listen [::]:8443 https\n":          8443,
		"# Listen 1\nListen 2\n":            2,
	} {
		if got, err := listenPort([]byte(conf)); err != nil || got != want {
			t.Errorf("listenPort(%q) = %d, %v; want %d", conf, got, err, want)
		}
	}
	for _, conf := range []string{"", "Listen\n", "Listen http\n", "Listen 70000\n"} {
		if got, err := listenPort([]byte(conf)); err == nil {
			t.Errorf("listenPort(%q) = %d, want an error", conf, got)
		}
	}
}

func TestHostsFor(t *testing.T) {
	h := string(hostsFor("127.0.0.9"))
	for _, want := range []string{"127.0.0.1\tlocalhost\n", "127.0.0.9\tregistry\n"} {
		if !strings.Contains(h, want) {
			t.Errorf("hosts file lacks %q:\n%s", want, h)
		}
	}
}
