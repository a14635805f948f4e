// Command regsetup-bench measures the Apache proxy of the Docker docs
// recipe against the bare registry and the alternatives (issue #6): it
// runs package bench and writes its table to stdout, and optionally JSON,
// a markdown summary and a PNG chart.
//
//	regsetup-bench [--quick] [--size 1G] [--reps 3] [--duration 5s]
//	               [--variants direct,regsetup-secure,...] [--conf FILE]...
//	               [--metrics get-v2,throughput,...] [--bcrypt-cost 5]
//	               [--fleet-clients 16] [--fleet-size 256M] [--fleet-push-size 64M]
//	               [--json FILE] [--md FILE] [--png FILE]
//	regsetup-bench --apply [--quick] [--models one-process,rendered]
//	               [--rounds 5] [--clients 6] [--size 1G] [--json FILE]
//
// --apply measures changes applied to a running stack instead: how long a
// password-file change and an httpd.conf change (graceful reload) take to
// be in force under load, and how many requests fail meanwhile, for each
// Apache process model side by side, also with an upload in flight.
//
// Exit status: 0 on success, 1 when the benchmark fails, 2 on bad usage.
// Needs root (Apache runs in private namespaces), /usr/local/apache2,
// docker-registry and nginx.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/regsetup/regsetup/tools/bench"
)

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("regsetup-bench", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "a small, fast smoke run (8 MiB image, 16 small layers, 1 rep, 1 s, fleet images of 8 MiB and 2 MiB)")
	size := fs.String("size", "", "bytes of the big image, with optional K/M/G suffix (default 1G)")
	reps := fs.Int("reps", 0, "repetitions of every measurement (default 3)")
	duration := fs.Duration("duration", 0, "length of each throughput run (default 5s)")
	variants := fs.String("variants", "", "comma-separated variants (default "+strings.Join(bench.DefaultVariants, ",")+"); append :rsa for an RSA certificate")
	cost := fs.Int("bcrypt-cost", 0, "bcrypt cost of every htpasswd (default 5)")
	clients := fs.Int("clients", 0, "concurrent clients for throughput (default 8)")
	requests := fs.Int("requests", 0, "requests per latency run (default 500)")
	handshakes := fs.Int("handshakes", 0, "handshakes per handshake run (default 200)")
	smallLayers := fs.Int("small-layers", 0, "layers of the small-layers image (default 64)")
	fleetClients := fs.Int("fleet-clients", 0, "clients of the fleet pull and push (default 16)")
	fleetSize := fs.String("fleet-size", "", "bytes of the image the fleet pulls (default 256M)")
	fleetPushSize := fs.String("fleet-push-size", "", "bytes of each fleet client's pushed image (default 64M)")
	metrics := fs.String("metrics", "", "comma-separated metrics to measure (default all: "+strings.Join(bench.MetricIDs(), ",")+")")
	var confs []string
	fs.Func("conf", "an extra variant: a hand-edited httpd.conf over the secure render (repeatable; its Listen/VirtualHost ports are rewritten)", func(s string) error {
		confs = append(confs, s)
		return nil
	})
	jsonOut := fs.String("json", "", "write the full result as JSON to `FILE`")
	mdOut := fs.String("md", "", "write a markdown summary to `FILE`")
	pngOut := fs.String("png", "", "write a PNG bar chart to `FILE`")
	keep := fs.Bool("keep", false, "keep the work directory (configs, logs) for inspection")
	http2 := fs.Bool("http2", false, "offer HTTP/2 to the servers (those that accept it, e.g. a --conf with Protocols h2, switch)")
	quiet := fs.Bool("q", false, "no progress on stderr")
	apply := fs.Bool("apply", false, "measure applying changes to a running stack (see the package doc)")
	models := fs.String("models", "", "with --apply: comma-separated process models (one-process, rendered, stock-event, several, event:STARTxTHREADS; default one-process,rendered)")
	rounds := fs.Int("rounds", 0, "with --apply: changes of each kind per model (default 5)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "regsetup-bench: unexpected arguments %q\n", fs.Args())
		return 2
	}

	if *apply {
		return runApply(*quick, *quiet, *keep, *size, *models, *rounds, *clients, *jsonOut)
	}
	o := bench.Defaults()
	if *quick {
		o = bench.Quick()
	}
	for _, f := range []struct {
		name, val string
		dst       *int64
	}{{"size", *size, &o.Size}, {"fleet-size", *fleetSize, &o.FleetSize}, {"fleet-push-size", *fleetPushSize, &o.FleetPushSize}} {
		if f.val == "" {
			continue
		}
		n, err := bench.ParseSize(f.val)
		if err != nil {
			fmt.Fprintf(os.Stderr, "regsetup-bench: --%s: %v\n", f.name, err)
			return 2
		}
		*f.dst = n
	}
	setInt(&o.FleetClients, *fleetClients)
	setInt(&o.Reps, *reps)
	setInt(&o.BcryptCost, *cost)
	setInt(&o.Clients, *clients)
	setInt(&o.Requests, *requests)
	setInt(&o.Handshakes, *handshakes)
	setInt(&o.SmallLayers, *smallLayers)
	if *duration > 0 {
		o.Duration = *duration
	}
	if *variants != "" {
		o.Variants = strings.Split(*variants, ",")
	}
	if *metrics != "" {
		o.Metrics = strings.Split(*metrics, ",")
	}
	o.Confs, o.Keep, o.HTTP2 = confs, *keep, *http2
	if !*quiet {
		o.Progress = os.Stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	res, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "regsetup-bench: %v\n", err)
		return 1
	}
	if err := bench.WriteTable(os.Stdout, res); err != nil {
		fmt.Fprintf(os.Stderr, "regsetup-bench: %v\n", err)
		return 1
	}
	for _, out := range []struct {
		path  string
		write func(*os.File) error
	}{
		{*jsonOut, func(f *os.File) error { return bench.WriteJSON(f, res) }},
		{*mdOut, func(f *os.File) error { return bench.WriteMarkdown(f, res) }},
		{*pngOut, func(f *os.File) error { return bench.WritePNG(f, res) }},
	} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, out.write); err != nil {
			fmt.Fprintf(os.Stderr, "regsetup-bench: %v\n", err)
			return 1
		}
	}
	if !*quiet {
		fmt.Fprintf(os.Stderr, "regsetup-bench: done in %s\n", time.Since(start).Round(time.Second))
	}
	return 0
}

func setInt(dst *int, v int) {
	if v != 0 {
		*dst = v
	}
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// runApply is --apply: the apply benchmark, its table on stdout.
func runApply(quick, quiet, keep bool, size, models string, rounds, clients int, jsonOut string) int {
	o := bench.ApplyDefaults()
	if quick {
		o = bench.ApplyQuick()
	}
	if size != "" {
		n, err := bench.ParseSize(size)
		if err != nil {
			fmt.Fprintf(os.Stderr, "regsetup-bench: --size: %v\n", err)
			return 2
		}
		o.Transfer = n
	}
	if models != "" {
		o.Models = nil
		for _, name := range strings.Split(models, ",") {
			m, err := bench.ParseModel(name)
			if err != nil {
				fmt.Fprintf(os.Stderr, "regsetup-bench: --models: %v\n", err)
				return 2
			}
			o.Models = append(o.Models, m)
		}
	}
	setInt(&o.Rounds, rounds)
	setInt(&o.Clients, clients)
	o.Keep = keep
	if !quiet {
		o.Progress = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.RunApply(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "regsetup-bench: %v\n", err)
		return 1
	}
	if err := bench.WriteApplyTable(os.Stdout, res); err != nil {
		fmt.Fprintf(os.Stderr, "regsetup-bench: %v\n", err)
		return 1
	}
	if jsonOut != "" {
		if err := writeFile(jsonOut, func(f *os.File) error { return bench.WriteApplyJSON(f, res) }); err != nil {
			fmt.Fprintf(os.Stderr, "regsetup-bench: %v\n", err)
			return 1
		}
	}
	return 0
}
