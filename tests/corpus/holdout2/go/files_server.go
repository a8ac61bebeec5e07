// Command files serves user documents, thumbnails and a greeting page with net/http.
package main

import (
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

var docRoot = filepath.Clean(envOr("DOC_ROOT", "/srv/docs"))

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	log.Printf("download requested: %s", name) // expect: GO-LOG-001
	f, err := os.Open(filepath.Join(docRoot, name)) // expect: GO-PATH-001
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound) // expect: GO-ERRLEAK-001
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = io.Copy(w, f)
}

func downloadSafe(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Query().Get("name"))
	log.Printf("download requested: %q", name) // ok: GO-LOG-001
	http.ServeFile(w, r, filepath.Join(docRoot, "public", name)) // ok: GO-PATH-001
}

func thumbnail(w http.ResponseWriter, r *http.Request) {
	img := r.FormValue("image")
	size := r.FormValue("size")
	cmd := exec.Command("sh", "-c", "convert "+img+" -thumbnail "+size+" /tmp/thumb.png") // expect: GO-CMDI-001
	if err := cmd.Run(); err != nil {
		http.Error(w, "thumbnail failed", http.StatusInternalServerError) // ok: GO-ERRLEAK-001
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func thumbnailSafe(w http.ResponseWriter, r *http.Request) {
	img := filepath.Join(docRoot, "images", filepath.Base(r.FormValue("image")))
	cmd := exec.Command("convert", img, "-thumbnail", "200x200", "/tmp/thumb.png") // ok: GO-CMDI-001
	if err := cmd.Run(); err != nil {
		http.Error(w, "thumbnail failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func hello(w http.ResponseWriter, r *http.Request) {
	who := r.URL.Query().Get("name")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<h1>Welcome back, %s!</h1>", who) // expect: GO-XSS-001
}

func helloSafe(w http.ResponseWriter, r *http.Request) {
	who := html.EscapeString(r.URL.Query().Get("name"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<h1>Welcome back, %s!</h1>", who) // ok: GO-XSS-001
}

func logout(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusFound) // expect: GO-REDIRECT-001
}

func logoutSafe(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusFound) // ok: GO-REDIRECT-001
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/download", download)
	mux.HandleFunc("/v2/download", downloadSafe)
	mux.HandleFunc("/thumbnail", thumbnail)
	mux.HandleFunc("/v2/thumbnail", thumbnailSafe)
	mux.HandleFunc("/hello", hello)
	mux.HandleFunc("/v2/hello", helloSafe)
	mux.HandleFunc("/logout", logout)
	mux.HandleFunc("/v2/logout", logoutSafe)
	log.Fatal(http.ListenAndServe(":8080", mux))
}
