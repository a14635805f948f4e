package verify

import (
	"context"
	"os"
	"testing"
)

func TestZZShow(t *testing.T) {
	for _, p := range []*fakeProxy{{pushers: []string{pusher.User, puller.User}, limitHole: true}, {pushers: []string{pusher.User}}} {
		reg := startRegistry(t, p)
		rep, _ := Run(context.Background(), reg.config())
		WriteText(os.Stdout, rep)
	}
	rep, err := Run(context.Background(), Config{Host: "x.test:1", Dial: closedPort(t), Pusher: pusher, Puller: puller, Policy: specPolicy()})
	WriteText(os.Stdout, rep)
	WriteJUnit(os.Stdout, rep)
	WriteJSON(os.Stdout, rep)
	t.Log(err)
}
