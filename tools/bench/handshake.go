package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// handshakeInfo is what a target's TLS handshake negotiated.
type handshakeInfo struct {
	Version string `json:"version"`
	Cipher  string `json:"cipher"`
	KeyType string `json:"key_type"`
}

// handshake opens n new TCP connections to t, times only the full TLS
// handshake of each (no session resumption) and returns the median in
// seconds and what was negotiated.
func (e *env) handshake(ctx context.Context, t Target, n int) (float64, handshakeInfo, error) {
	var info handshakeInfo
	d := &net.Dialer{Timeout: 5 * time.Second}
	times := make([]float64, 0, n)
	for i := range n + 5 {
		raw, err := d.DialContext(ctx, "tcp", t.Addr)
		if err != nil {
			return 0, info, fmt.Errorf("%s: %w", t.Name, err)
		}
		c := tls.Client(raw, &tls.Config{RootCAs: e.roots, ServerName: ServerName, NextProtos: []string{"http/1.1"}})
		start := time.Now()
		err = c.HandshakeContext(ctx)
		el := time.Since(start).Seconds()
		if err != nil {
			raw.Close()
			return 0, info, fmt.Errorf("%s: TLS handshake: %w", t.Name, err)
		}
		if i == 0 {
			st := c.ConnectionState()
			info = handshakeInfo{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite)}
			if len(st.PeerCertificates) > 0 {
				info.KeyType = st.PeerCertificates[0].PublicKeyAlgorithm.String()
			}
		}
		c.Close()
		if i >= 5 {
			times = append(times, el)
		}
	}
	return median(times), info, nil
}
