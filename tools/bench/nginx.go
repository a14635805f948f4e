package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"text/template"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// NginxBin is Debian's nginx.
const NginxBin = "/usr/sbin/nginx"

// nginxConf is the Docker docs' "Authenticate proxy with nginx" nginx.conf,
// unchanged except for what a private, rootless-path run needs: the
// prefix's pid, log and temp paths, "daemon off", "user root" (workers can
// then read the files of a root-owned temp dir), the port and the upstream
// address (the document's "registry:5000" is a Compose service name).
var nginxConf = template.Must(template.New("nginx").Parse(`daemon off;
user root;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;

events {
    worker_connections  1024;
}

http {
  client_body_temp_path {{.Dir}}/client_body;
  proxy_temp_path {{.Dir}}/proxy;
  fastcgi_temp_path {{.Dir}}/fastcgi;
  uwsgi_temp_path {{.Dir}}/uwsgi;
  scgi_temp_path {{.Dir}}/scgi;
  access_log {{.Dir}}/access.log;

  upstream docker-registry {
    server {{.Upstream}};
  }

  ## Set a variable to help us decide if we need to add the
  ## 'Docker-Distribution-Api-Version' header.
  ## The registry always sets this header.
  ## In the case of nginx performing auth, the header is unset
  ## since nginx is auth-ing before proxying.
  map $upstream_http_docker_distribution_api_version $docker_distribution_api_version {
    '' 'registry/2.0';
  }

  server {
    listen {{.Port}} ssl;
    server_name myregistrydomain.com;

    # SSL
    ssl_certificate {{.Dir}}/domain.crt;
    ssl_certificate_key {{.Dir}}/domain.key;

    # Recommendations from https://raymii.org/s/tutorials/Strong_SSL_Security_On_nginx.html
    ssl_protocols TLSv1.1 TLSv1.2;
    ssl_ciphers 'EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH';
    ssl_prefer_server_ciphers on;
    ssl_session_cache shared:SSL:10m;

    # disable any limits to avoid HTTP 413 for large image uploads
    client_max_body_size 0;

    # required to avoid HTTP 411: see Issue #1486 (https://github.com/moby/moby/issues/1486)
    chunked_transfer_encoding on;

    location /v2/ {
      # Do not allow connections from docker 1.5 and earlier
      # docker pre-1.6.0 did not properly set the user agent on ping, catch "Go *" user agents
      if ($http_user_agent ~ "^(docker\/1\.(3|4|5(?!\.[0-9]-dev))|Go ).*$" ) {
        return 404;
      }

      # To add basic authentication to v2 use auth_basic setting.
      auth_basic "Registry realm";
      auth_basic_user_file {{.Dir}}/nginx.htpasswd;

      ## If $docker_distribution_api_version is empty, the header is not added.
      ## See the map directive above where this variable is defined.
      add_header 'Docker-Distribution-Api-Version' $docker_distribution_api_version always;

      proxy_pass                          http://docker-registry;
      proxy_set_header  Host              $http_host;   # required for docker client's sake
      proxy_set_header  X-Real-IP         $remote_addr; # pass on real client's IP
      proxy_set_header  X-Forwarded-For   $proxy_add_x_forwarded_for;
      proxy_set_header  X-Forwarded-Proto $scheme;
      proxy_read_timeout                  900;
    }
  }
}
`))

// nginxRun is nginx in front of its own registry.
type nginxRun struct {
	p   *stacktest.Process
	pid int
	reg *registryRun
	t   Target
}

func (n *nginxRun) pids() []int { return append([]int{n.pid}, n.reg.pids()...) }

func (n *nginxRun) target() Target { return n.t }
func (n *nginxRun) stop() {
	n.p.Stop(stopTimeout)
	n.reg.stop()
}
func (n *nginxRun) logTail(int) string { return n.p.Tail(20) }

// startNginx runs the registry (plain, as the recipe's) and nginx in front.
func startNginx(e *env, name, dir, key string) (*nginxRun, error) {
	if _, err := os.Stat(NginxBin); err != nil {
		return nil, fmt.Errorf("nginx-recipe needs %s (apt-get install nginx-light or nginx): %w", NginxBin, err)
	}
	reg, err := startRegistry(e, name+"/registry", dir, "")
	if err != nil {
		return nil, err
	}
	n, err := startNginxOver(e, name, dir, key, reg)
	if err != nil {
		reg.stop()
		return nil, err
	}
	return n, nil
}

func startNginxOver(e *env, name, dir, key string, reg *registryRun) (*nginxRun, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	ht, err := htpasswdFile(e.creds, e.opts.BcryptCost)
	if err != nil {
		return nil, err
	}
	var conf bytes.Buffer
	if err := nginxConf.Execute(&conf, map[string]any{"Dir": dir, "Port": port, "Upstream": reg.addr}); err != nil {
		return nil, fmt.Errorf("rendering nginx.conf: %w", err)
	}
	c := e.certs[key]
	if err := writeFiles(dir, map[string][]byte{"nginx.conf": conf.Bytes(), "nginx.htpasswd": ht, "domain.crt": c.CertPEM, "domain.key": c.KeyPEM}); err != nil {
		return nil, err
	}
	cmd := exec.Command(NginxBin, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"))
	p, err := stacktest.StartProcess(name, filepath.Join(dir, "nginx.out"), cmd)
	if err != nil {
		return nil, err
	}
	t := Target{Name: name, Host: ServerName + ":" + strconv.Itoa(port), Addr: "127.0.0.1:" + strconv.Itoa(port),
		TLS: true, User: PushUser, Password: e.creds.PushPassword}
	if err := p.WaitReady(readyTimeout, func() error { return answers(e, t) }); err != nil {
		p.Stop(stopTimeout)
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return nil, fmt.Errorf("%w\n--- nginx error.log ---\n%s", err, b)
	}
	return &nginxRun{p: p, pid: cmd.Process.Pid, reg: reg, t: t}, nil
}
