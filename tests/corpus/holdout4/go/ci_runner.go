// Command runner is the build agent: it takes jobs from the coordinator, checks out the
// pushed branch, restores the dependency cache and collects the logs of the build containers.
package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const (
	registrationToken = "rnr-9c41f7e2ab5d08c3e6f1a94d7b20c58e" // expect: GO-SECRET-001
	maxLogBytes       = 64 << 20
)

type Job struct {
	ID       string `json:"id"`
	Repo     string `json:"repo"`
	Branch   string `json:"branch"`
	Commit   string `json:"commit"`
	CacheKey string `json:"cache_key"`
}

type Runner struct {
	workRoot, cacheRoot, controlToken string
	cancelFuncs                       map[string]context.CancelFunc
}

func (r *Runner) checkout(ctx context.Context, job Job) (string, error) {
	dir := filepath.Join(r.workRoot, job.ID)
	if err := os.MkdirAll(dir, 0o777); err != nil { // expect: GO-PERM-001
		return "", err
	}
	clone := exec.CommandContext(ctx, "git", "clone", "--no-checkout", "--", job.Repo, dir) // ok: GO-CMDI-001
	if out, err := clone.CombinedOutput(); err != nil {
		return "", fmt.Errorf("clone: %v: %s", err, out)
	}
	script := fmt.Sprintf("cd %s && git fetch origin %s && git checkout -q %s", dir, job.Branch, job.Commit)
	out, err := exec.CommandContext(ctx, "sh", "-c", script).CombinedOutput() // expect: GO-CMDI-001
	if err != nil {
		return "", fmt.Errorf("checkout: %v: %s", err, out)
	}
	return dir, nil
}

// restoreCache unpacks the cache tarball that an earlier job of the same branch uploaded.
func (r *Runner) restoreCache(job Job, dir string) error {
	f, err := os.Open(filepath.Join(r.cacheRoot, filepath.Base(job.CacheKey)+".tar.gz"))
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		out, err := os.OpenFile(filepath.Join(dir, hdr.Name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644) // expect: GO-ZIPSLIP-001
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr) // expect: GO-DECOMPRESS-001
		out.Close()
		if err != nil {
			return err
		}
	}
}

// receiveLogs accepts gzip-compressed log chunks that sidecar containers stream to the runner.
func (r *Runner) receiveLogs(w http.ResponseWriter, req *http.Request) {
	gz, err := gzip.NewReader(req.Body)
	if err != nil {
		http.Error(w, "expected gzip body", http.StatusBadRequest)
		return
	}
	defer gz.Close()
	jobID := filepath.Base(req.URL.Query().Get("job"))
	dst, err := os.OpenFile(filepath.Join(r.workRoot, jobID+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640) // ok: GO-PATH-001
	if err != nil {
		http.Error(w, "unknown job", http.StatusNotFound)
		return
	}
	defer dst.Close()
	if _, err := io.Copy(dst, io.LimitReader(gz, maxLogBytes)); err != nil { // ok: GO-DECOMPRESS-001
		http.Error(w, "log upload failed", http.StatusInternalServerError)
	}
}

func (r *Runner) cancelJob(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("X-Runner-Token") != r.controlToken { // expect: GO-TIMING-001
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if cancel, ok := r.cancelFuncs[req.URL.Query().Get("job")]; ok {
		cancel()
	}
	w.WriteHeader(http.StatusAccepted)
}

func (r *Runner) jobStatus(w http.ResponseWriter, req *http.Request) {
	if subtle.ConstantTimeCompare([]byte(req.Header.Get("X-Runner-Token")), []byte(r.controlToken)) != 1 { // ok: GO-TIMING-001
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]int{"running": len(r.cancelFuncs)})
}

// deployKeyConfig connects to the internal git mirror over SSH with the runner's deploy key.
func deployKeyConfig(signer ssh.Signer, knownHostsFile string) (*ssh.ClientConfig, error) {
	hostKeys := ssh.InsecureIgnoreHostKey() // expect: GO-TLS-001
	if knownHostsFile != "" {
		var err error
		if hostKeys, err = knownhosts.New(knownHostsFile); err != nil { // ok: GO-TLS-001
			return nil, err
		}
	}
	return &ssh.ClientConfig{User: "git", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKeys,
		Timeout: 10 * time.Second}, nil
}

func main() {
	r := &Runner{
		workRoot:     "/var/lib/runner/builds",
		cacheRoot:    "/var/lib/runner/cache",
		controlToken: os.Getenv("RUNNER_CONTROL_TOKEN"),
		cancelFuncs:  map[string]context.CancelFunc{},
	}
	if err := os.MkdirAll(r.cacheRoot, 0o750); err != nil { // ok: GO-PERM-001
		log.Fatal(err)
	}
	go pollCoordinator(r, os.Getenv("COORDINATOR_URL"), registrationToken)
	http.HandleFunc("/logs", r.receiveLogs)
	http.HandleFunc("/jobs/cancel", r.cancelJob)
	http.HandleFunc("/jobs/status", r.jobStatus)
	log.Fatal(http.ListenAndServe(":9252", nil)) // expect: GO-DEBUG-001
}
