package bench

import (
	"fmt"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// sizeName is a byte count in binary units (1 GiB, 64 KiB, 1000 B).
func sizeName(n int64) string {
	for _, u := range []struct {
		s string
		v int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.v && n%u.v == 0 {
			return fmt.Sprintf("%d %s", n/u.v, u.s)
		}
		if n >= u.v {
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.v), u.s)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// ParseSize reads a byte count with an optional binary suffix: 8M, 1G,
// 512K, 1GiB, 1048576.
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	num := s
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if len(s) > len(u.suf) && s[len(s)-len(u.suf):] == u.suf {
			num, mult = s[:len(s)-len(u.suf)], u.m
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q (want a positive number of bytes, optionally with K, M or G)", s)
	}
	return n * mult, nil
}

// format prints a value in its unit with sensible precision.
func format(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 10:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
