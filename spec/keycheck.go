package spec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
)

// minRSABits: OpenSSL 3 at the security level of the httpd image refuses
// smaller RSA keys, so Apache would not start.
const minRSABits = 2048

// parseKey reads the one private key in the file and returns its public
// half. Other blocks are skipped as Apache skips them: the EC PARAMETERS
// block that `openssl ecparam -genkey` writes first, or a certificate in a
// combined file. It never quotes the key in an error.
func (c *checker) parseKey(name string, data []byte) (crypto.PublicKey, bool) {
	var keys []*pem.Block
	other := ""
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if strings.HasSuffix(block.Type, "PRIVATE KEY") {
			keys = append(keys, block)
		} else if other == "" {
			other = block.Type
		}
	}
	switch {
	case len(keys) == 0 && other != "":
		c.addf("tls.key", "%s holds no private key, only a %q block: tls.key names the key file", printable(name), other)
		return nil, false
	case len(keys) == 0:
		if _, err := x509.ParsePKCS8PrivateKey(data); err == nil {
			c.addf("tls.key", "the key is DER, not PEM: convert it with openssl pkey -inform der -in %s -out domain.key", printable(name))
		} else {
			c.addf("tls.key", "not a PEM private key")
		}
		return nil, false
	case len(keys) > 1:
		c.addf("tls.key", "the file holds %d private keys; keep only the certificate's", len(keys))
		return nil, false
	}
	block := keys[0]
	if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
		c.addf("tls.key", "the key is encrypted, and Apache in a container cannot ask for its passphrase: write it unencrypted with openssl pkey -in %s -out domain.key (the file is kept 0640)", printable(name))
		return nil, false
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		c.addf("tls.key", "a %q block is not a key Apache and docker both use: want an RSA, ECDSA or Ed25519 key", block.Type)
		return nil, false
	}
	if err != nil {
		c.addf("tls.key", "the %q block does not parse: damaged, or not an RSA, ECDSA or Ed25519 key", block.Type)
		return nil, false
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		c.addf("tls.key", "not an RSA, ECDSA or Ed25519 key")
		return nil, false
	}
	return signer.Public(), c.usableKey(signer.Public())
}

// usableKey refuses keys that parse but that Apache or the clients refuse.
func (c *checker) usableKey(pub crypto.PublicKey) bool {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if n := pub.N.BitLen(); n < minRSABits {
			c.addf("tls.key", "the RSA key has %d bits; OpenSSL 3 (in the httpd image) refuses keys under %d bits, so Apache would not start: make a new key (openssl genrsa -out domain.key 3072) and certificate", n, minRSABits)
			return false
		}
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() && pub.Curve != elliptic.P521() {
			c.addf("tls.key", "the EC key's curve %s is not one Go's TLS clients (docker) accept: use P-256 or P-384", pub.Curve.Params().Name)
			return false
		}
	case ed25519.PublicKey:
	default:
		c.addf("tls.key", "not an RSA, ECDSA or Ed25519 key")
		return false
	}
	return true
}
