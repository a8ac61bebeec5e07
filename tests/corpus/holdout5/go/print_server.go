// Command printd is the campus print server: a NATS worker that sends queued jobs
// to the printers, plus a small admin panel for driver bundles. Attacker data: job
// messages from the self-service print portal (file, title, queue, copies and URL
// are whatever the student typed), uploaded driver bundles, requests from the LAN.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	spoolDir   = "/var/spool/printd"
	driverDir  = "/opt/printd/drivers"
	natsURL    = "nats://printd:Sp00l-7qK2-xW9e@mq.internal.example:4222" // expect: GO-SECRET-001
	maxDriverB = 200 << 20
)

type PrintJob struct {
	ID       string `json:"id"`
	Queue    string `json:"queue"`
	File     string `json:"file"`
	Title    string `json:"title"`
	Copies   int    `json:"copies"`
	FetchURL string `json:"fetch_url,omitempty"`
}

var queues = map[string]bool{"library-bw": true, "library-color": true, "lab-a3": true}

func handleJob(msg *nats.Msg) {
	var job PrintJob
	if err := json.Unmarshal(msg.Data, &job); err != nil {
		log.Printf("dropping malformed job: %v", err)
		return
	}
	log.Printf("printing job %s: %s", job.ID, job.Title) // expect: GO-LOG-001
	if job.FetchURL != "" {
		resp, err := http.Get(job.FetchURL) // expect: GO-SSRF-001
		if err != nil {
			return
		}
		defer resp.Body.Close()
		dst, _ := os.CreateTemp(spoolDir, "fetched-*.pdf")
		io.Copy(dst, io.LimitReader(resp.Body, 100<<20))
		dst.Close()
		job.File = filepath.Base(dst.Name())
	}
	if !queues[job.Queue] {
		log.Printf("job %q: unknown queue %q", job.ID, job.Queue) // ok: GO-LOG-001
		return
	}
	if job.Copies > 1 {
		banner := fmt.Sprintf("lp -d %s -t '%s' -n %d %s", job.Queue, job.Title, job.Copies, filepath.Join(spoolDir, job.File))
		if out, err := exec.Command("bash", "-c", banner).CombinedOutput(); err != nil { // expect: GO-CMDI-001
			log.Printf("lp failed: %v %q", err, out)
		}
		return
	}
	src, err := os.Open(filepath.Join(spoolDir, job.File)) // expect: GO-PATH-001
	if err != nil {
		return
	}
	defer src.Close()
	cmd := exec.Command("lp", "-d", job.Queue, "-t", job.Title, "--") // ok: GO-CMDI-001
	cmd.Stdin = src
	if err := cmd.Run(); err != nil {
		log.Printf("lp failed for %q: %v", job.ID, err)
	}
}

// preview shows a spooled job; the name comes from the portal's history page.
func preview(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	if !filepath.IsLocal(name) {
		http.Error(w, "bad file name", http.StatusBadRequest)
		return
	}
	http.ServeFile(w, r, filepath.Join(spoolDir, name)) // ok: GO-PATH-001
}

func uploadDriver(w http.ResponseWriter, r *http.Request) {
	gz, err := gzip.NewReader(http.MaxBytesReader(w, r.Body, maxDriverB))
	if err != nil {
		http.Error(w, "expected .tar.gz", http.StatusBadRequest)
		return
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err != nil {
			break // io.EOF or a corrupt bundle
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if filepath.Ext(hdr.Name) == ".ppd" && filepath.IsLocal(hdr.Name) {
			ppd, _ := os.Create(filepath.Join(driverDir, "ppd", hdr.Name)) // ok: GO-ZIPSLIP-001
			io.Copy(ppd, io.LimitReader(tr, maxDriverB))
			ppd.Close()
			continue
		}
		out, err := os.OpenFile(filepath.Join(driverDir, "incoming", hdr.Name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644) // expect: GO-ZIPSLIP-001
		if err != nil {
			continue
		}
		io.Copy(out, io.LimitReader(tr, maxDriverB))
		out.Close()
	}
	w.WriteHeader(http.StatusCreated)
}

// FIXME: anyone on the campus LAN can cancel jobs until the panel gets a login // expect: GO-TODO-001
func cancelJob(w http.ResponseWriter, r *http.Request) {
	if id, err := strconv.Atoi(r.URL.Query().Get("id")); err == nil {
		exec.Command("cancel", strconv.Itoa(id)).Run()
	}
}

func dialAccounting(pool *x509.CertPool) (*grpc.ClientConn, *grpc.ClientConn, error) {
	billing, err := grpc.NewClient("accounting.internal.example:9090", grpc.WithTransportCredentials(insecure.NewCredentials())) // expect: GO-TLS-001
	if err != nil {
		return nil, nil, err
	}
	quota, err := grpc.NewClient("quota.internal.example:9443", grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool}))) // ok: GO-TLS-001
	return billing, quota, err
}

func main() {
	nc, err := nats.Connect(natsURL)
	if err != nil {
		log.Fatal(err)
	}
	nc.Subscribe("print.jobs", handleJob)
	os.MkdirAll(spoolDir, 0o750) // ok: GO-PERM-001
	mux := http.NewServeMux()
	mux.HandleFunc("/preview", preview)
	mux.HandleFunc("/drivers", uploadDriver)
	mux.HandleFunc("/cancel", cancelJob)
	srv := &http.Server{Addr: ":631", Handler: mux, TLSConfig: &tls.Config{
		MinVersion: tls.VersionTLS10, // expect: GO-TLS-002
	}}
	log.Fatal(srv.ListenAndServeTLS("/etc/printd/cert.pem", "/etc/printd/key.pem"))
}
